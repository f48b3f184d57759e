"""`query blast-radius ID`: every artifact and running workload an advisory reaches.

From the packages the advisory (any of its alias ids) affects, walk up: the current
SBOMs listing them (with the dependency path from the SBOM root, via the SBOM's own
DEPENDS_ON edges), the artifacts those SBOMs describe, then across images: a package
that IS an affected artifact (a base image) makes the SBOMs listing it affected too.
Finally the workloads that run an affected artifact now (or ran it at `--at`). A VEX
statement (not_affected/fixed) for an artifact suppresses it, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..graph.refs import names_of
from ..graph.sboms import current_sboms
from ..model import Direction, EdgeKind, NodeKind
from ..purls import PurlError, parse_purl
from ..runtime.history import RunningImage, running_at, running_now
from ..store.interface import GraphStore
from ..vulns.graphview import (
    primary,
    rated,
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


def _live(store: GraphStore, artifacts: dict[str, Any], at: datetime | None
          ) -> list[RunningImage]:
    """The workloads running an affected artifact now, or at `at` (runtime history)."""
    if not artifacts:
        return []
    rows = running_now(store, artifacts) if at is None else [
        r for r in running_at(store, at) if r.digest in artifacts]
    return sorted(rows, key=lambda r: (r.deployment, r.digest, r.container))


def blast_radius(store: GraphStore, vuln_id: str, environment: str | None = None,
                 at: datetime | None = None) -> dict[str, Any]:
    ids, records = resolve_group(store, vuln_id)
    main = primary(records, vuln_id.strip())
    matches = real_matches(store.edges([EdgeKind.AFFECTED_BY], dst=[vref(i) for i in ids]))
    packages = store.get_many(NodeKind.PACKAGE, {e.src.key for e in matches})
    bad: dict[str, _Hit] = {}
    for e in matches:
        bad.setdefault(e.src.key, _Hit([], e.src.key, list(e.props.get("fixed") or []),
                                       e.dst.key))
    names: dict[str, list[str]] = {}  # filled level by level, read once per artifact
    artifacts = _artifacts_through_images(store, bad, names)
    verdicts = vex_verdicts(store, artifacts, ids)
    deployments = _deployments(store, artifacts, verdicts, ids, at)
    running: dict[str, set[str]] = {}
    for d in deployments:
        running.setdefault(d["artifact"], set()).add(d["key"])
    artifact_rows: list[dict[str, Any]] = []
    for digest, art in sorted(artifacts.items()):
        artifact_rows.append({
            "digest": digest, "names": names.get(digest, []), "sbom": art["sbom"],
            "via": art["via"], "package": art["package"], "fixed": art["fixed"],
            "advisory": art["advisory"], "path": art["path"],
            "suppressed": suppression(verdicts, digest, ids),
            "deployments": sorted(running.get(digest, ()))})
    everywhere = {
        "query": vuln_id, "environment": None,
        "at": at.isoformat() if at else None,
        "vulnerability": vuln_summary(main, ids, rated(records.values())),
        "packages": [{"purl": k, "name": n.props.get("name"), "version": n.props.get("version"),
                      "ecosystem": n.props.get("ecosystem"), "fixed": bad[k].fixed,
                      "advisory": bad[k].advisory}
                     for k, n in sorted(packages.items())],
        "artifacts": artifact_rows,
        "deployments": deployments,
    }
    return in_environment(everywhere, environment)


def in_environment(data: dict[str, Any], environment: str | None) -> dict[str, Any]:
    """The answer restricted to one environment: its workloads, and only the artifacts
    they run (None: everything). Adds the summary."""
    deployments = [d for d in data["deployments"]
                   if not environment or environment in d["environments"]]
    running: dict[str, list[str]] = {}
    for d in deployments:
        running.setdefault(d["artifact"], []).append(d["key"])
    artifact_rows = [{**a, "deployments": sorted(running.get(a["digest"], ()))}
                     for a in data["artifacts"]
                     if not environment or a["digest"] in running]
    return {**data, "environment": environment, "artifacts": artifact_rows,
            "deployments": deployments,
            "summary": {"packages": len(data["packages"]), "artifacts": len(artifact_rows),
                        "deployments": len(deployments),
                        "suppressed": sum(1 for a in artifact_rows if a["suppressed"]),
                        "environments": sorted({env for d in deployments
                                                for env in d["environments"]})}}


def _artifacts_through_images(store: GraphStore, bad: dict[str, _Hit],
                              names: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Artifacts whose current SBOM lists a vulnerable package, then, level by level,
    images built on those artifacts (`Package -IS-> Artifact`)."""
    artifacts: dict[str, dict[str, Any]] = {}
    level_targets = dict(bad)
    for level in range(MAX_IMAGE_LEVELS):
        if not level_targets:
            break
        found = _affected_artifacts(store, level_targets, level, names)
        fresh = {d: a for d, a in found.items() if d not in artifacts}
        artifacts.update(fresh)
        level_targets = {}
        if fresh:
            for package, digest in store.edge_keys(EdgeKind.IS, NodeKind.ARTIFACT, fresh):
                art = fresh[digest]
                below = [_step("artifact", digest, art["label"]), *art["path"][1:]]
                level_targets.setdefault(package, _Hit(below, art["package"], art["fixed"],
                                                       art["advisory"]))
    return artifacts


def _deployments(store: GraphStore, artifacts: dict[str, dict[str, Any]],
                 verdicts: Mapping[tuple[str, str], dict[str, Any]],
                 ids: list[str], at: datetime | None) -> list[dict[str, Any]]:
    """Workloads running an affected artifact now, or at `at`, in every environment
    (`in_environment` narrows the answer)."""
    deployments: list[dict[str, Any]] = []
    for r in _live(store, artifacts, at):
        art = artifacts[r.digest]
        deployments.append({
            "key": r.deployment, "cluster": r.cluster, "namespace": r.namespace,
            "kind": r.kind, "name": r.name,
            "environments": [r.environment] if r.environment else [],
            "artifact": r.digest, "image": r.image, "container": r.container,
            "since": r.since, "suppressed": suppression(verdicts, r.digest, ids),
            "path": [_step("deployment", r.deployment), *art["path"]]})
    return deployments


def _affected_artifacts(store: GraphStore, targets: dict[str, _Hit], level: int,
                        names: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Artifacts whose current SBOM lists a target package, with the path to it."""
    listing = store.edge_keys(EdgeKind.LISTS, NodeKind.PACKAGE, targets)
    sbom_keys = {sbom for sbom, _ in listing}
    if not sbom_keys:
        return {}
    describes = store.edge_keys(EdgeKind.DESCRIBES, NodeKind.SBOM, sbom_keys, Direction.OUT)
    current = current_sboms(store, {art for _, art in describes})
    live_sboms = {s for s in current.values() if s in sbom_keys}
    listed: dict[str, set[str]] = {}
    for sbom, package in listing:
        if sbom in live_sboms:
            listed.setdefault(sbom, set()).add(package)
    chains = store.shortest_dependency_paths(listed, MAX_DEPENDENCY_DEPTH)
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
