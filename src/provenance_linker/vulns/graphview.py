"""Read helpers shared by the vulnerability queries and metrics: alias groups, records,
VEX verdicts. Every helper reads in batches (no per-item queries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import NotFound
from ..model import Direction, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from .severity import RANK
from .suppression import SUPPRESSING

ALIAS_DEPTH = 4


def vref(key: str) -> NodeRef:
    return NodeRef(NodeKind.VULNERABILITY, key)


def is_record(node: Node | None) -> bool:
    """A Vulnerability node some advisory document described (not just an alias id)."""
    return node is not None and bool(node.props.get("document"))


def alias_group(store: GraphStore, vuln_id: str) -> list[str]:
    """Every id known to name the same flaw as `vuln_id` (itself included)."""
    steps = store.traverse([vref(vuln_id)], [EdgeKind.ALIAS_OF], Direction.BOTH, ALIAS_DEPTH)
    ids = {vuln_id}
    for step in steps:
        ids.add(step.edge.src.key)
        ids.add(step.edge.dst.key)
    return sorted(ids)


def resolve_group(store: GraphStore, vuln_id: str) -> tuple[list[str], dict[str, Node]]:
    """The alias group and its advisory records; NotFound when no record is known."""
    ids = alias_group(store, vuln_id.strip())
    nodes = store.get_many(NodeKind.VULNERABILITY, ids)
    records = {k: n for k, n in nodes.items() if is_record(n)}
    if not records:
        raise NotFound(f"no advisory known for {vuln_id!r}",
                       hint="ingest it with `provenance-linker ingest advisories`; any of "
                       "its ids (CVE, GHSA, PYSEC, …) then works")
    return ids, records


def group_ids(store: GraphStore, ids: Iterable[str]) -> dict[str, str]:
    """Map each id to a representative of its alias group (the smallest id)."""
    ids = sorted(set(ids))
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refs = [vref(i) for i in ids]
    if refs:
        for e in [*store.edges([EdgeKind.ALIAS_OF], src=refs),
                  *store.edges([EdgeKind.ALIAS_OF], dst=refs)]:
            a, b = find(e.src.key), find(e.dst.key)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {i: find(i) for i in list(parent)}


def primary(records: Mapping[str, Node], preferred: str | None = None) -> Node:
    """The record to show for a group: the asked id when it is a record, else the
    non-withdrawn record with the most severe rating."""
    if preferred is not None and preferred in records:
        return records[preferred]
    return max(records.values(), key=lambda n: (not n.props.get("withdrawn"),
                                                RANK.get(str(n.props.get("severity")), -1),
                                                n.key))


SEVERITY_PROPS = ("severity", "severity_source", "cvss_vector", "cvss_score")


def rated(records: Iterable[Node]) -> Node | None:
    """The most severe rated, non-withdrawn record among an alias group's records."""
    rated_ = [n for n in records if n.props.get("severity") and not n.props.get("withdrawn")]
    return max(rated_, key=lambda n: (RANK.get(str(n.props["severity"]), -1), n.key),
               default=None)


def effective_severity(node: Node, alias_rated: Node | None) -> dict[str, Any]:
    """A record's own rating, or, when it has none (a PYSEC record without CVSS), the
    rating of its most severe alias record, with the source saying so."""
    source = node if node.props.get("severity") or alias_rated is None else alias_rated
    out = {k: source.props.get(k) for k in SEVERITY_PROPS}
    if source is not node:
        out["severity_source"] = f"alias {source.key}: {source.props.get('severity_source')}"
    return out


def alias_ratings(store: GraphStore, ids: Iterable[str]) -> dict[str, Node]:
    """id -> the most severe rated record of its alias group (one batched read)."""
    groups = group_ids(store, ids)
    nodes = store.get_many(NodeKind.VULNERABILITY, set(groups))
    members: dict[str, list[Node]] = {}
    for vid, rep in groups.items():
        if is_record(node := nodes.get(vid)):
            assert node is not None
            members.setdefault(rep, []).append(node)
    best = {rep: r for rep, ns in members.items() if (r := rated(ns)) is not None}
    return {vid: best[rep] for vid, rep in groups.items() if rep in best}


def vuln_summary(node: Node, ids: Sequence[str], alias_rated: Node | None = None
                 ) -> dict[str, Any]:
    p = {**node.props, **effective_severity(node, alias_rated)}
    return {"id": node.key, "ids": sorted(ids), "aliases": sorted(set(ids) - {node.key}),
            "summary": p.get("summary") or "", "severity": p.get("severity") or None,
            "severity_source": p.get("severity_source") or None,
            "cvss_vector": p.get("cvss_vector") or None, "cvss_score": p.get("cvss_score")
            if p.get("cvss_score") != "" else None,
            "malicious": bool(p.get("malicious")), "withdrawn": bool(p.get("withdrawn")),
            "modified": p.get("modified") or None, "published": p.get("published") or None}


def real_matches(edges: Iterable[Edge]) -> list[Edge]:
    """AFFECTED_BY edges of versioned packages (not the per-name anchors)."""
    return [e for e in edges if not e.props.get("anchor")]


def vex_verdicts(store: GraphStore, artifacts: Iterable[str], ids: Iterable[str]
                 ) -> dict[tuple[str, str], dict[str, Any]]:
    """(artifact, vulnerability id) -> the latest VEX statement about it."""
    arts = set(artifacts)
    vulns = [vref(i) for i in set(ids)]
    if not arts or not vulns:
        return {}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    # Read from the few advisory ids (statements about them), not the many artifacts.
    for e in store.edges([EdgeKind.VEX], dst=vulns):
        if e.src.kind != NodeKind.ARTIFACT or e.src.key not in arts:
            continue
        key = (e.src.key, e.dst.key)
        current = out.get(key)
        if current is None or str(e.props.get("timestamp") or "") >= current["timestamp"]:
            out[key] = {"status": e.props.get("status"),
                        "justification": e.props.get("justification") or "",
                        "statement": e.props.get("statement") or "",
                        "timestamp": str(e.props.get("timestamp") or ""), "document": e.doc}
    return out


def suppression(verdicts: Mapping[tuple[str, str], dict[str, Any]], artifact: str,
                ids: Iterable[str]) -> dict[str, Any] | None:
    """The VEX statement that suppresses a finding for this artifact, if any."""
    found = [v | {"vulnerability": i} for i in ids if (v := verdicts.get((artifact, i)))]
    if not found:
        return None
    latest = max(found, key=lambda v: v["timestamp"])
    return latest if latest["status"] in SUPPRESSING else None
