"""A blast-radius answer as a drawable graph: advisory → vulnerable packages → (the
dependency chain) → artifacts → deployments, base images as their own nodes.

Edges point away from the advisory. Each deployment (and each affected artifact) has
its path as a list of node ids, so a page can highlight it. A package step that IS the
next artifact (a base image listed by an application SBOM) is folded into that
artifact's node."""

from __future__ import annotations

from typing import Any

ADVISORY = "advisory"


def _node_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def blast_graph(data: dict[str, Any]) -> dict[str, Any]:
    v = data["vulnerability"]
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    root = _node_id(ADVISORY, v["id"])
    nodes[root] = {"id": root, "kind": ADVISORY, "key": v["id"], "label": v["id"],
                   "severity": v.get("severity"), "malicious": bool(v.get("malicious"))}

    def add_edge(src: str, dst: str) -> None:
        edges.setdefault((src, dst), {"id": f"e{len(edges)}", "source": src, "target": dst})

    for p in data["packages"]:
        nid = _node_id("package", p["purl"])
        nodes.setdefault(nid, {"id": nid, "kind": "package", "key": p["purl"],
                               "label": f"{p['name']}@{p['version']}", "vulnerable": True})
        add_edge(root, nid)

    def chain(path: list[dict[str, str]]) -> list[str]:
        """Node ids from the advisory to the path's first step (its artifact)."""
        steps = [s for i, s in enumerate(path) if not (
            s["kind"] == "package" and i + 1 < len(path) and path[i + 1]["kind"] == "artifact")]
        ids = [root]
        for i, step in enumerate(reversed(steps)):
            kind = step["kind"]
            if kind == "artifact" and i < len(steps) - 1:
                kind = "base-image"
            nid = _node_id("artifact" if kind == "base-image" else kind, step["key"])
            node = nodes.setdefault(nid, {"id": nid, "kind": kind, "key": step["key"],
                                          "label": step["label"]})
            if kind == "base-image":
                node["kind"] = "base-image"
            add_edge(ids[-1], nid)
            ids.append(nid)
        return ids

    artifact_paths: dict[str, list[str]] = {}
    for a in data["artifacts"]:
        ids = chain(a["path"])
        artifact_paths[a["digest"]] = ids
        node = nodes[ids[-1]]
        node.update({"names": a["names"], "via": a["via"],
                     "suppressed": bool(a.get("suppressed"))})
        if node["kind"] == "artifact" and a["names"]:
            node["label"] = a["names"][0]
    deployment_paths: dict[str, list[str]] = {}
    for d in data["deployments"]:
        nid = _node_id("deployment", d["key"])
        nodes.setdefault(nid, {"id": nid, "kind": "deployment", "key": d["key"],
                               "label": f"{d.get('namespace') or ''}/{d.get('name') or d['key']}",
                               "environments": d["environments"]})
        base = artifact_paths.get(d["artifact"]) or chain(d["path"][1:])
        add_edge(base[-1], nid)
        deployment_paths[d["key"]] = [*base, nid]
    return {"nodes": list(nodes.values()), "edges": list(edges.values()),
            "paths": {"artifacts": artifact_paths, "deployments": deployment_paths}}


def layered_layout(graph: dict[str, Any], width: int = 1100, row: int = 26
                   ) -> dict[str, tuple[float, float]]:
    """Columns by distance from the advisory (for the offline report's SVG drawing)."""
    depth: dict[str, int] = {}
    outgoing: dict[str, list[str]] = {}
    for e in graph["edges"]:
        outgoing.setdefault(e["source"], []).append(e["target"])
    roots = [n["id"] for n in graph["nodes"] if n["kind"] == ADVISORY]
    frontier = roots
    for r in roots:
        depth[r] = 0
    while frontier:
        nxt = []
        for nid in frontier:
            for target in outgoing.get(nid, []):
                if target not in depth:
                    depth[target] = depth[nid] + 1
                    nxt.append(target)
        frontier = nxt
    columns: dict[int, list[str]] = {}
    for n in graph["nodes"]:
        columns.setdefault(depth.get(n["id"], 0), []).append(n["id"])
    step = width / max(1, len(columns))
    return {nid: (20 + c * step, 20 + i * row)
            for c, ids in sorted(columns.items()) for i, nid in enumerate(ids)}
