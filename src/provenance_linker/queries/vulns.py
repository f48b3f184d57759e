"""`query vulns --artifact REF` and `query malicious`.

Findings are per (package, flaw): advisories that are aliases of one another collapse
into one finding listing every id. An artifact's packages are those of its current
SBOM plus, through `Package -IS-> Artifact`, those of its base images' current SBOMs.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from ..graph.refs import ArtifactRef, names_of, resolve
from ..graph.sboms import current_sboms
from ..model import Direction, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..vulns.graphview import (
    alias_ratings,
    group_ids,
    is_record,
    primary,
    real_matches,
    suppression,
    vex_verdicts,
    vuln_summary,
)
from ..vulns.ranges import CATCH_ALL_NOT_APPLIED, AffectedSpec, base_ecosystem
from ..vulns.severity import LEVELS, RANK, at_least
from ..vulns.version_check import unparseable

MAX_IMAGE_LEVELS = 8


def artifact_packages(store: GraphStore, digest: str) -> dict[str, str]:
    """purl -> the artifact whose SBOM lists it (this one or a base image)."""
    seen_artifacts: set[str] = set()
    frontier = {digest}
    owner: dict[str, str] = {}
    for _ in range(MAX_IMAGE_LEVELS):
        frontier -= seen_artifacts
        if not frontier:
            break
        seen_artifacts |= frontier
        sboms = current_sboms(store, frontier)
        by_sbom = {s: a for a, s in sboms.items()}
        if not by_sbom:
            break
        listed = store.edge_keys(EdgeKind.LISTS, NodeKind.SBOM, by_sbom, Direction.OUT)
        for sbom, purl in listed:
            owner.setdefault(purl, by_sbom[sbom])
        # A package is linked to an artifact once per SBOM that lists it: the distinct
        # links, not thousands of rows for a widely shared package.
        linked = store.distinct_edge_keys(EdgeKind.IS, NodeKind.PACKAGE,
                                          {p for _, p in listed}) if listed else []
        frontier = {artifact for _, artifact in linked}
    return owner


def findings(store: GraphStore, packages: dict[str, str],
             pkg_nodes: dict[str, Node] | None = None) -> list[dict[str, Any]]:
    """One row per (package, flaw); `pkg_nodes` are the packages' nodes when the caller
    has read them already (an artifact's packages are read once per query)."""
    if not packages:
        return []
    matches = real_matches(store.edges(
        [EdgeKind.AFFECTED_BY], src=[NodeRef(NodeKind.PACKAGE, p) for p in packages]))
    vulns = store.get_many(NodeKind.VULNERABILITY, {e.dst.key for e in matches})
    groups = group_ids(store, vulns)
    members: dict[str, set[str]] = {}
    for vid, rep in groups.items():
        members.setdefault(rep, set()).add(vid)
    if pkg_nodes is None:
        pkg_nodes = store.get_many(NodeKind.PACKAGE, packages)
    ratings = alias_ratings(store, vulns)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for e in matches:
        node = vulns.get(e.dst.key)
        if node is None or node.props.get("withdrawn"):
            continue
        rep = groups[e.dst.key]
        row = merged.setdefault((e.src.key, rep), {"package": e.src.key, "advisories": set(),
                                                  "fixed": [], "reason": e.props.get("reason"),
                                                  "all_versions_claim": None})
        row["all_versions_claim"] = row["all_versions_claim"] or e.props.get(
            "all_versions_claim")
        row["advisories"].add(e.dst.key)
        row["fixed"] += [f for f in e.props.get("fixed") or [] if f not in row["fixed"]]
    out = []
    for (purl, rep), row in merged.items():
        group = sorted(members.get(rep, {rep}))
        records = {k: vulns[k] for k in row["advisories"] if is_record(vulns.get(k))}
        main = primary(records)
        summary = vuln_summary(main, group, ratings.get(main.key))
        pkg = pkg_nodes.get(purl)
        out.append({**summary, "package": purl,
                    "package_name": pkg.props.get("name") if pkg else None,
                    "version": pkg.props.get("version") if pkg else None,
                    "ecosystem": pkg.props.get("ecosystem") if pkg else None,
                    "fixed": row["fixed"], "advisories": sorted(row["advisories"]),
                    "match": row["reason"], "all_versions_claim": row["all_versions_claim"],
                    "artifact": packages[purl]})
    return sorted(out, key=lambda r: (-RANK.get(r["severity"] or "", -1), r["id"],
                                      r["package"]))


def vulns_for_artifact(store: GraphStore, ref: ArtifactRef | str,
                       min_severity: str | None = None) -> dict[str, Any]:
    if min_severity is not None and min_severity not in LEVELS:
        raise UsageError(f"unknown severity {min_severity!r}",
                         hint="one of: " + ", ".join(LEVELS))
    resolved = resolve(store, ref)
    digest = resolved.digest
    assert digest is not None
    packages = artifact_packages(store, digest)
    nodes = store.get_many(NodeKind.PACKAGE, packages)
    rows = [r for r in findings(store, packages, nodes) if r["malicious"]
            or at_least(r["severity"], min_severity)]
    verdicts = vex_verdicts(store, [digest], {i for r in rows for i in r["ids"]})
    active: list[dict[str, Any]] = []
    suppressed: list[dict[str, Any]] = []
    for r in rows:
        vex = suppression(verdicts, digest, r["ids"])
        (suppressed if vex else active).append({**r, "suppressed": vex})
    counts: dict[str, int] = {level: sum(1 for r in active if r["severity"] == level)
                              for level in LEVELS}
    # A malicious finding is counted once, as malicious, not also as an unrated flaw.
    counts["unknown"] = sum(1 for r in active if not r["severity"] and not r["malicious"])
    counts["malicious"] = sum(1 for r in active if r["malicious"])
    odd = unparseable((k, str(n.props.get("ecosystem") or ""), str(n.props.get("version") or ""))
                      for k, n in nodes.items())
    return {"artifact": {"digest": digest, "names": names_of(store, [digest]).get(digest, [])},
            "min_severity": min_severity, "packages": len(packages),
            "unparseable_versions": {eco: {"count": len(p), "packages": p}
                                     for eco, p in odd.items()},
            "vulnerabilities": active, "suppressed": suppressed,
            "malicious": [r for r in active if r["malicious"]],
            "counts": counts}


def malicious(store: GraphStore) -> dict[str, Any]:
    """Malicious-package records that match a package in the graph, and where."""
    records = [n for n in store.find(NodeKind.VULNERABILITY, {"malicious": True})
               if not n.props.get("withdrawn")]
    if not records:
        return {"records": 0, "findings": [], "not_applied": []}
    matches = real_matches(store.edges([EdgeKind.AFFECTED_BY], dst=[n.ref for n in records]))
    pkgs = store.get_many(NodeKind.PACKAGE, {e.src.key for e in matches})
    listing = store.edges([EdgeKind.LISTS], dst=[n.ref for n in pkgs.values()]) if pkgs else []
    describes = store.edges([EdgeKind.DESCRIBES], src=[e.src for e in listing]) \
        if listing else []
    current = current_sboms(store, {e.dst.key for e in describes})
    live = {s: a for a, s in current.items()}
    names = names_of(store, current)
    by_record = {n.key: n for n in records}
    rows = []
    for e in sorted(matches, key=lambda x: (x.dst.key, x.src.key)):
        pkg = pkgs.get(e.src.key)
        arts = sorted({live[le.src.key] for le in listing
                       if le.dst.key == e.src.key and le.src.key in live})
        rows.append({"advisory": e.dst.key, "summary": by_record[e.dst.key].props.get("summary"),
                     "aliases": by_record[e.dst.key].props.get("aliases") or [],
                     "package": e.src.key,
                     "name": pkg.props.get("name") if pkg else None,
                     "version": pkg.props.get("version") if pkg else None,
                     "ecosystem": pkg.props.get("ecosystem") if pkg else None,
                     "match": e.props.get("reason"),
                     "all_versions_claim": e.props.get("all_versions_claim"),
                     "artifacts": [{"digest": a, "names": names.get(a, [])} for a in arts]})
    matched = {(e.dst.key, e.src.key) for e in matches}
    return {"records": len(records), "findings": rows,
            "not_applied": unapplied_claims(store, records, matched)}


def unapplied_claims(store: GraphStore, records: list[Node],
                     matched: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Packages in the graph that a record's set-aside catch-all range would flag: the
    record lists exact versions, these versions are not among them."""
    rows = []
    for record in records:
        for entry in record.props.get("affected") or []:
            spec = AffectedSpec.compile(str(entry.get("ecosystem") or ""),
                                        str(entry.get("name") or ""),
                                        list(entry.get("versions") or []),
                                        list(entry.get("ranges") or []))
            if not spec.catch_all_ignored:
                continue
            base = base_ecosystem(spec.ecosystem)
            for pkg in store.find(NodeKind.PACKAGE, {"name": spec.name}):
                version = pkg.props.get("version")
                if (not version or pkg.props.get("ecosystem") != base
                        or (record.key, pkg.key) in matched):
                    continue
                rows.append({"advisory": record.key, "package": pkg.key,
                             "name": spec.name, "version": version, "ecosystem": base,
                             "listed_versions": sorted(spec.versions),
                             "reason": CATCH_ALL_NOT_APPLIED})
    return sorted(rows, key=lambda r: (r["advisory"], r["package"]))
