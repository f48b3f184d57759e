"""`query blast-radius ID`: every artifact and running workload an advisory reaches.

From the packages the advisory (any of its alias ids) affects, walk up: the current
SBOMs listing them (with the dependency path from the SBOM root, via the SBOM's own
DEPENDS_ON edges), the artifacts those SBOMs describe, then across images: a package
that IS an affected artifact (a base image) makes the SBOMs listing it affected too.
Finally the deployments whose latest snapshot RUNS an affected artifact. A VEX
statement (not_affected/fixed) for an artifact suppresses it, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..graph.deployments import current_runs
from ..graph.refs import names_of
from ..graph.sboms import current_sboms
from ..model import EdgeKind, NodeKind, NodeRef
from ..purls import PurlError, parse_purl
from ..store.interface import GraphStore
from ..vulns.graphview import (
    primary,
    real_matches,
    resolve_group,
    suppression,
    vex_verdicts,
    vref,
    vuln_summary,
)

MAX_IMAGE_LEVELS = 8  # base image of a base image of …
MAX_DEPENDENCY_DEPTH = 64


@dataclass(slots=True)
class _Hit:
    """Why a package counts as bad: the path below it, down to the vulnerable package."""

    below: list[dict[str, str]]  # steps after this package (base image, its packages, …)
    vulnerable: str  # the vulnerable package's purl
    fixed: list[str]
    advisory: str


def _step(kind: str, key: str, label: str | None = None) -> dict[str, str]:
    return {"kind": kind, "key": key, "label": label or key}


def _package_step(purl: str) -> dict[str, str]:
    try:
        parsed = parse_purl(purl)
    except PurlError:
        return _step("package", purl)
    version = parsed.version or ""
    if version.startswith("sha256:"):
        version = version[:19] + "…"
    return _step("package", purl, f"{parsed.package_name}@{version}" if version
                 else parsed.package_name)


def _dependency_paths(store: GraphStore, wanted: dict[str, set[str]]) -> dict[str, list[str]]:
    """For each SBOM, the shortest chain root -> … -> one of its target packages, over that
    SBOM's own DEPENDS_ON edges. Breadth-first and upward for all SBOMs at once: one
    edge query per level, whatever the number of SBOMs."""
    came: dict[str, dict[str, str | None]] = {s: dict.fromkeys(t) for s, t in wanted.items()}
    frontier: dict[str, set[str]] = {}
    for sbom, targets in wanted.items():
        for target in targets:
            frontier.setdefault(target, set()).add(sbom)
    native = getattr(store, "shortest_dependency_paths", None)
    if native is not None:  # SQLite answers this in a few reads (see docs/vulnerabilities.md)
        paths: dict[str, list[str]] = native(wanted, MAX_DEPENDENCY_DEPTH)
        return paths
    found: dict[str, list[str]] = {}
    for _ in range(MAX_DEPENDENCY_DEPTH):
        if not frontier:
            break
        upward: dict[str, set[str]] = {}
        edges = store.edges([EdgeKind.DEPENDS_ON],
                            dst=[NodeRef(NodeKind.PACKAGE, k) for k in frontier])
        for e in sorted(edges, key=lambda x: (x.src.key, x.dst.key)):
            sbom = e.doc or ""
            if sbom in found or sbom not in frontier.get(e.dst.key, ()):
                continue
            seen = came[sbom]
            if e.src.key in seen:
                continue
            seen[e.src.key] = e.dst.key
            if e.src.kind == NodeKind.SBOM:
                chain: list[str] = []
                cur: str | None = e.src.key
                while cur is not None:
                    chain.append(cur)
                    cur = seen[cur]
                found[sbom] = chain  # root first
            else:
                upward.setdefault(e.src.key, set()).add(sbom)
        frontier = {k: {s for s in v if s not in found} for k, v in upward.items()}
        frontier = {k: v for k, v in frontier.items() if v}
    return found


def blast_radius(store: GraphStore, vuln_id: str, environment: str | None = None
                 ) -> dict[str, Any]:
    ids, records = resolve_group(store, vuln_id)
    main = primary(records, vuln_id.strip())
    matches = real_matches(store.edges([EdgeKind.AFFECTED_BY], dst=[vref(i) for i in ids]))
    packages = store.get_many(NodeKind.PACKAGE, {e.src.key for e in matches})
    bad: dict[str, _Hit] = {}
    for e in matches:
        bad.setdefault(e.src.key, _Hit([], e.src.key, list(e.props.get("fixed") or []),
                                       e.dst.key))
    artifacts: dict[str, dict[str, Any]] = {}
    names: dict[str, list[str]] = {}  # filled level by level, read once per artifact
    level_targets = dict(bad)
    for level in range(MAX_IMAGE_LEVELS):
        if not level_targets:
            break
        found = _affected_artifacts(store, level_targets, level, names)
        fresh = {d: a for d, a in found.items() if d not in artifacts}
        artifacts.update(fresh)
        level_targets = {}
        if fresh:
            for e in store.edges([EdgeKind.IS],
                                 dst=[NodeRef(NodeKind.ARTIFACT, d) for d in fresh]):
                art = fresh[e.dst.key]
                below = [_step("artifact", e.dst.key, art["label"]), *art["path"][1:]]
                level_targets.setdefault(e.src.key, _Hit(below, art["package"], art["fixed"],
                                                         art["advisory"]))
    verdicts = vex_verdicts(store, artifacts, ids)
    runs = store.edges([EdgeKind.RUNS], dst=[NodeRef(NodeKind.ARTIFACT, d)
                                             for d in artifacts]) if artifacts else []
    deployments_of = {e.src.key for e in runs}
    live = [e for e in current_runs(store, deployments_of) if e.dst.key in artifacts]
    dep_nodes = store.get_many(NodeKind.DEPLOYMENT, {e.src.key for e in live})
    envs: dict[str, list[str]] = {}
    in_edges = store.edges([EdgeKind.IN], src=[n.ref for n in dep_nodes.values()]) \
        if dep_nodes else []
    for e in in_edges:
        envs.setdefault(e.src.key, []).append(e.dst.key)
    deployments: list[dict[str, Any]] = []
    for e in sorted(live, key=lambda x: (x.src.key, x.dst.key)):
        node = dep_nodes.get(e.src.key)
        env_list = sorted(envs.get(e.src.key, []))
        if environment and environment not in env_list:
            continue
        art = artifacts[e.dst.key]
        suppressed = suppression(verdicts, e.dst.key, ids)
        p = node.props if node else {}
        deployments.append({
            "key": e.src.key, "cluster": p.get("cluster"), "namespace": p.get("namespace"),
            "kind": p.get("kind"), "name": p.get("name"), "environments": env_list,
            "artifact": e.dst.key, "image": e.props.get("image"),
            "container": e.props.get("container"), "suppressed": suppressed,
            "path": [_step("deployment", e.src.key), *art["path"]]})
    running: dict[str, set[str]] = {}
    for d in deployments:
        running.setdefault(d["artifact"], set()).add(d["key"])
    artifact_rows: list[dict[str, Any]] = []
    for digest, art in sorted(artifacts.items()):
        if environment and digest not in running:
            continue
        artifact_rows.append({
            "digest": digest, "names": names.get(digest, []), "sbom": art["sbom"],
            "via": art["via"], "package": art["package"], "fixed": art["fixed"],
            "advisory": art["advisory"], "path": art["path"],
            "suppressed": suppression(verdicts, digest, ids),
            "deployments": sorted(running.get(digest, ()))})
    return {
        "query": vuln_id, "environment": environment,
        "vulnerability": vuln_summary(main, ids),
        "packages": [{"purl": k, "name": n.props.get("name"), "version": n.props.get("version"),
                      "ecosystem": n.props.get("ecosystem"), "fixed": bad[k].fixed,
                      "advisory": bad[k].advisory}
                     for k, n in sorted(packages.items())],
        "artifacts": artifact_rows,
        "deployments": deployments,
        "summary": {"packages": len(packages), "artifacts": len(artifact_rows),
                    "deployments": len(deployments),
                    "suppressed": sum(1 for a in artifact_rows if a["suppressed"]),
                    "environments": sorted({env for d in deployments
                                            for env in d["environments"]})},
    }


def _affected_artifacts(store: GraphStore, targets: dict[str, _Hit], level: int,
                        names: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Artifacts whose current SBOM lists a target package, with the path to it."""
    refs = [NodeRef(NodeKind.PACKAGE, k) for k in targets]
    listing = store.edges([EdgeKind.LISTS], dst=refs)
    sbom_keys = {e.src.key for e in listing}
    if not sbom_keys:
        return {}
    describes = store.edges([EdgeKind.DESCRIBES], src=[NodeRef(NodeKind.SBOM, s)
                                                       for s in sbom_keys])
    current = current_sboms(store, {e.dst.key for e in describes})
    live_sboms = {s for s in current.values() if s in sbom_keys}
    listed: dict[str, set[str]] = {}
    for e in listing:
        if e.src.key in live_sboms:
            listed.setdefault(e.src.key, set()).add(e.dst.key)
    chains = _dependency_paths(store, listed)
    names.update(names_of(store, [a for a, s in current.items()
                                  if s in listed and a not in names]))
    out: dict[str, dict[str, Any]] = {}
    for art, sbom in sorted(current.items()):
        if sbom not in listed:
            continue
        # Listed but unreachable from the root (no dependency graph): listed directly.
        chain = chains.get(sbom) or [sbom, min(listed[sbom])]
        hit = targets[chain[-1]]
        path = [_package_step(k) for k in chain[1:]] + hit.below
        label = (names.get(art) or [art])[0]
        out[art] = {"label": label, "sbom": sbom, "via": "direct" if level == 0 else
                    "base image", "package": hit.vulnerable, "fixed": hit.fixed,
                    "advisory": hit.advisory,
                    "path": [_step("artifact", art, f"{label}@{art[:19]}…"
                                   if label != art else art), *path]}
    return out
