"""Metric values for the vulnerability gauges, computed from the store (pure reads).

- `provenance_sbom_vulnerabilities{severity}`: distinct flaws (alias groups, not
  withdrawn, not malicious-package records) affecting at least one package that a
  current SBOM lists, per severity; advisories without any rating count as "unknown".
- `malicious_packages_detected_total{ecosystem,package,version,advisory}`: one series
  per (malicious record, package version) listed by a current SBOM.
"""

from __future__ import annotations

from typing import Any

from ..graph.sboms import current_sboms
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..telemetry.metrics import MALICIOUS_LABELS, SEVERITY_LABELS
from .graphview import group_ids, real_matches
from .severity import LEVELS, RANK

SEVERITY_VALUES = (*LEVELS, "unknown")


def _listed_by_current(store: GraphStore, packages: set[str]) -> set[str]:
    if not packages:
        return set()
    listing = store.edges([EdgeKind.LISTS], dst=[NodeRef(NodeKind.PACKAGE, p)
                                                 for p in packages])
    if not listing:
        return set()
    describes = store.edges([EdgeKind.DESCRIBES], src=[e.src for e in listing])
    current = set(current_sboms(store, {e.dst.key for e in describes}).values())
    # An SBOM without a subject artifact is its own current view.
    described = {e.src.key for e in describes}
    return {e.dst.key for e in listing if e.src.key in current or e.src.key not in described}


def sbom_vulnerability_counts(store: GraphStore) -> dict[str, int]:
    """severity -> number of distinct flaws found in current SBOMs."""
    matches = real_matches(store.edges([EdgeKind.AFFECTED_BY]))
    live = _listed_by_current(store, {e.src.key for e in matches})
    matches = [e for e in matches if e.src.key in live]
    vulns = store.get_many(NodeKind.VULNERABILITY, {e.dst.key for e in matches})
    groups = group_ids(store, vulns)
    worst: dict[str, str] = {}
    for vid, node in vulns.items():
        if node.props.get("withdrawn") or node.props.get("malicious"):
            continue
        level = str(node.props.get("severity") or "unknown")
        rep = groups[vid]
        if rep not in worst or RANK.get(level, -1) > RANK.get(worst[rep], -1):
            worst[rep] = level
    counts = dict.fromkeys(SEVERITY_VALUES, 0)
    for level in worst.values():
        counts[level] = counts.get(level, 0) + 1
    return counts


def malicious_package_series(store: GraphStore) -> list[dict[str, str]]:
    """Label sets (ecosystem, package, version, advisory), one per detection."""
    records = {n.key: n for n in store.find(NodeKind.VULNERABILITY, {"malicious": True})
               if not n.props.get("withdrawn")}
    if not records:
        return []
    matches = real_matches(store.edges([EdgeKind.AFFECTED_BY],
                                       dst=[n.ref for n in records.values()]))
    live = _listed_by_current(store, {e.src.key for e in matches})
    pkgs = store.get_many(NodeKind.PACKAGE, live)
    series = set()
    for e in matches:
        pkg = pkgs.get(e.src.key)
        if pkg is None:
            continue
        series.add((str(pkg.props.get("ecosystem") or ""), str(pkg.props.get("name") or ""),
                    str(pkg.props.get("version") or ""), e.dst.key))
    return [dict(zip(MALICIOUS_LABELS, s, strict=True)) for s in sorted(series)]


def gauge_values(store: GraphStore) -> dict[str, Any]:
    """Both gauges as {label tuple: value}, for a Prometheus collector."""
    return {
        "sbom_vulnerabilities": {(level,): n for level, n in
                                 sbom_vulnerability_counts(store).items()},
        "malicious_packages": {tuple(s[k] for k in MALICIOUS_LABELS): 1
                               for s in malicious_package_series(store)},
        "labels": {"sbom_vulnerabilities": SEVERITY_LABELS,
                   "malicious_packages": MALICIOUS_LABELS},
    }
