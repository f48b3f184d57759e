// The blast-radius graph: cytoscape.js over the JSON the server embeds (#graph-data).
// Columns by distance from the advisory (a preset layout: linear in the node count), the
// viewport set from the positions, and the elements added a slice per rendered frame, so
// that a few thousand nodes draw without freezing the page. Rows of the tables beside it
// highlight their path; tapping an artifact or package opens its page.
(function () {
  "use strict";
  var holder = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  var status = document.getElementById("graph-status");
  if (!holder || !source || typeof cytoscape !== "function") { return; }
  var started = performance.now();
  var data = JSON.parse(source.textContent);
  var depth = {}, out = {};
  data.edges.forEach(function (e) { (out[e.source] = out[e.source] || []).push(e.target); });
  var frontier = data.nodes.filter(function (n) { return n.kind === "advisory"; })
    .map(function (n) { depth[n.id] = 0; return n.id; });
  while (frontier.length) {
    var next = [];
    frontier.forEach(function (id) {
      (out[id] || []).forEach(function (t) {
        if (depth[t] === undefined) { depth[t] = depth[id] + 1; next.push(t); }
      });
    });
    frontier = next;
  }
  var rows = {};
  var elements = data.nodes.map(function (n) {
    var col = depth[n.id] || 0;
    var row = rows[col] = (rows[col] || 0) + 1;
    return {group: "nodes", data: {id: n.id, label: n.label, kind: n.kind, key: n.key},
            position: {x: col * 260, y: row * 34}, classes: n.kind};
  });
  // Centre each column vertically on the tallest one.
  var tallest = Math.max.apply(null, Object.keys(rows).map(function (k) { return rows[k]; }));
  elements.forEach(function (el) {
    var col = depth[el.data.id] || 0;
    el.position.y += (tallest - rows[col]) * 17;
  });
  data.edges.forEach(function (e) {
    elements.push({group: "edges", data: {id: e.id, source: e.source, target: e.target}});
  });
  var big = data.nodes.length > 400;
  // Large graphs: labels only when zoomed in far enough to read them, straight edges
  // without arrows, and a texture while panning or zooming.
  var cy = cytoscape({
    container: holder, layout: {name: "preset"}, pixelRatio: big ? 1 : "auto",
    wheelSensitivity: 0.3, textureOnViewport: big, hideEdgesOnViewport: big,
    style: [
      {selector: "node", style: {"background-color": "#14527a", "label": "data(label)",
        "font-size": 11, "color": "#1a1a1a", "text-valign": "center", "text-halign": "right",
        "text-margin-x": 6, "width": 14, "height": 14, "min-zoomed-font-size": big ? 9 : 7}},
      {selector: "node.advisory", style: {"background-color": "#a0001c", "width": 22, "height": 22}},
      {selector: "node.package", style: {"background-color": "#b35c00", "shape": "round-rectangle"}},
      {selector: "node.base-image", style: {"background-color": "#5b3a8c", "shape": "diamond", "width": 18, "height": 18}},
      {selector: "node.deployment", style: {"background-color": "#0a5c2e", "shape": "hexagon", "width": 18, "height": 18}},
      {selector: "edge", style: {"width": 1.2, "line-color": "#8a96a3", "target-arrow-color": "#8a96a3",
        "target-arrow-shape": big ? "none" : "triangle", "curve-style": big ? "haystack" : "bezier"}},
      {selector: ".faded", style: {"opacity": 0.18}},
      {selector: "node.hl", style: {"border-width": 3, "border-color": "#ffbf47"}},
      {selector: "edge.hl", style: {"width": 3.5, "line-color": "#d08700", "target-arrow-color": "#d08700", "opacity": 1}}
    ]
  });
  window.provenanceGraph = cy;
  // A small graph fades everything off the path; a large one only marks the path, so a
  // click restyles a few elements rather than thousands.
  var marked = cy.collection();
  function highlight(ids) {
    cy.batch(function () {
      marked.removeClass("hl");
      if (!big) { cy.elements().removeClass("faded"); }
      marked = cy.collection();
      if (!ids || !ids.length) { return; }
      ids.forEach(function (id, i) {
        marked = marked.union(cy.getElementById(id));
        if (i > 0) { marked = marked.union(cy.getElementById(ids[i - 1]).edgesTo(cy.getElementById(id))); }
      });
      marked.addClass("hl");
      if (!big) { cy.elements().difference(marked).addClass("faded"); }
    });
  }
  window.provenanceHighlight = highlight;
  cy.on("tap", "node", function (ev) {
    var n = ev.target.data();
    if (n.kind === "artifact" || n.kind === "base-image") {
      location.href = "/ui/artifact?ref=" + encodeURIComponent(n.key);
    } else if (n.kind === "package") {
      location.href = "/ui/search?q=" + encodeURIComponent(n.key);
    } else if (n.kind === "deployment") {
      highlight((data.paths.deployments || {})[n.key]);
    }
  });
  document.querySelectorAll("tr[data-path]").forEach(function (tr) {
    function pick() {
      document.querySelectorAll("tr.selected").forEach(function (r) { r.classList.remove("selected"); });
      tr.classList.add("selected");
      highlight((data.paths[tr.dataset.path] || {})[tr.dataset.key]);
    }
    tr.addEventListener("click", function (ev) { if (!ev.target.closest("a")) { pick(); } });
    tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter" && ev.target === tr) { pick(); } });
  });
  // The final viewport is known from the positions, so it is set first (no fit over
  // every label's box at the end) and the graph fills in at its final scale.
  var box = {x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity};
  elements.forEach(function (el) {
    if (!el.position) { return; }
    box.x1 = Math.min(box.x1, el.position.x); box.x2 = Math.max(box.x2, el.position.x);
    box.y1 = Math.min(box.y1, el.position.y); box.y2 = Math.max(box.y2, el.position.y);
  });
  var pad = 30, labelRoom = 150;  // labels sit right of their node
  var zoom = Math.min(2, (holder.clientWidth - 2 * pad) / Math.max(1, box.x2 - box.x1 + labelRoom),
                      (holder.clientHeight - 2 * pad) / Math.max(1, box.y2 - box.y1));
  zoom = Math.max(cy.minZoom(), zoom);
  cy.viewport({zoom: zoom, pan: {
    x: (holder.clientWidth - zoom * (box.x1 + box.x2 + labelRoom)) / 2,
    y: (holder.clientHeight - zoom * (box.y1 + box.y2)) / 2}});
  // Elements go in a slice per frame: cytoscape styles and measures new elements when it
  // next renders, so each slice is sized from the time the last one took to add and draw
  // (about BUDGET ms a task on any machine), and the page answers input in between.
  // Each render redraws what is there already, so slices stay large (few renders).
  var BUDGET = 100, step = 300, added = 0;
  function addSlice() {
    var sliceStart = performance.now(), count = step;
    cy.add(elements.slice(added, added + count));
    added += count;
    if (added < elements.length) {
      cy.one("render", function () {
        var spent = performance.now() - sliceStart;
        step = Math.max(150, Math.min(1000, Math.round(count * BUDGET / Math.max(1, spent))));
        setTimeout(addSlice, 0);
      });
      if (status) { status.textContent = "Drawing the graph… " + Math.round(100 * added / elements.length) + "%"; }
      return;
    }
    cy.one("render", function () {
      var ms = performance.now() - started;
      window.provenanceGraphTiming = {nodes: cy.nodes().length, edges: cy.edges().length, ms: ms};
      if (status) {
        status.textContent = cy.nodes().length + " nodes, " + cy.edges().length + " edges";
      }
    });
    if (!big) { cy.fit(undefined, 20); } else { cy.forceRender(); }
  }
  addSlice();
})();
