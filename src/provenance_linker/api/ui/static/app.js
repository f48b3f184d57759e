// Small progressive enhancements: a loading bar while the next page is fetched, "/" to
// search, filters that submit on change, Enter on a focusable row follows its first link.
(function () {
  "use strict";
  var loading = document.getElementById("loading");
  function busy() { if (loading) { loading.hidden = false; } }
  document.addEventListener("submit", function (ev) {
    if (!ev.defaultPrevented) { busy(); }
  });
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href]") : null;
    if (a && !a.hasAttribute("download") && a.origin === location.origin && !ev.ctrlKey &&
        !ev.metaKey && !ev.shiftKey && a.getAttribute("href").charAt(0) !== "#") { busy(); }
  });
  window.addEventListener("pageshow", function () { if (loading) { loading.hidden = true; } });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
    if (ev.key === "/" && !typing) {
      var q = document.getElementById("q") || document.getElementById("quick-q");
      if (q) { ev.preventDefault(); q.focus(); q.select(); }
    }
    if (ev.key === "Enter" && t && t.tagName === "TR" && !t.dataset.path) {
      var link = t.querySelector("a[href]");
      if (link) { link.click(); }
    }
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { busy(); sel.form.submit(); });
  });
})();
