"""`query licenses [--artifact REF]`: the licenses of an artifact's packages (base images
included), or across every current SBOM of the portfolio, parsed as SPDX expressions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..formats.license_expressions import UNSTATED, parse
from ..graph.refs import ArtifactRef, names_of, resolve
from ..graph.sboms import current_sboms
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from .vulns import artifact_packages


def _row(purl: str, props: Any) -> dict[str, Any]:
    info = parse(tuple(props.get("licenses") or ()))
    return {"purl": purl, "name": props.get("name"), "version": props.get("version"),
            "ecosystem": props.get("ecosystem"), **info.as_dict()}


def _tally(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for row in rows:
        for lic in row["licenses"] or [UNSTATED]:
            counts[lic] += 1
    return [{"license": lic, "packages": n} for lic, n in
            sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def licenses_for_artifact(store: GraphStore, ref: ArtifactRef | str) -> dict[str, Any]:
    resolved = resolve(store, ref)
    digest = resolved.digest
    assert digest is not None
    owners = artifact_packages(store, digest)
    nodes = store.get_many(NodeKind.PACKAGE, owners)
    names = names_of(store, {digest, *owners.values()})
    rows = []
    for purl, node in sorted(nodes.items()):
        row = _row(purl, node.props)
        owner = owners[purl]
        row["from"] = {"digest": owner, "names": names.get(owner, [])}
        rows.append(row)
    return {"artifact": {"digest": digest, "names": names.get(digest, [])},
            "packages": rows, "licenses": _tally(rows),
            "unparseable": sum(1 for r in rows if r["error"]),
            "unstated": sum(1 for r in rows if not r["licenses"] and not r["error"])}


def portfolio_licenses(store: GraphStore) -> dict[str, Any]:
    """Per license id: how many distinct packages and artifacts (by current SBOM) have it."""
    describes = store.edges([EdgeKind.DESCRIBES])
    current = current_sboms(store, {e.dst.key for e in describes})
    artifact_of = {sbom: art for art, sbom in current.items()}
    listing = store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, s)
                                                 for s in artifact_of]) if artifact_of else []
    nodes = store.get_many(NodeKind.PACKAGE, {e.dst.key for e in listing})
    parsed = {purl: parse(tuple(node.props.get("licenses") or ()))
              for purl, node in nodes.items()}
    packages: dict[str, set[str]] = {}
    artifacts: dict[str, set[str]] = {}
    for e in listing:
        info = parsed.get(e.dst.key)
        if info is None:
            continue
        for lic in info.licenses or (UNSTATED,):
            packages.setdefault(lic, set()).add(e.dst.key)
            artifacts.setdefault(lic, set()).add(artifact_of[e.src.key])
    unknown = {u for i in parsed.values() for u in i.unknown}
    rows: list[dict[str, Any]] = [
        {"license": lic, "packages": len(packages[lic]), "artifacts": len(artifacts[lic]),
         "unknown": lic != UNSTATED and lic.split(" WITH ")[0] in unknown}
            for lic in packages]
    rows.sort(key=lambda r: (-int(r["packages"]), str(r["license"])))
    return {"artifacts": len(current), "packages": len(nodes), "licenses": rows,
            "unparseable": sorted(p for p, i in parsed.items() if i.error)}
