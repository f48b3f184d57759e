"""Collect the stored evidence about one artifact: signatures and attestations with
their recorded outcomes, builds and sources, the current SBOM, and its advisories."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..graph.sboms import sboms_for_many
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..vulns.graphview import alias_ratings, effective_severity


@dataclass(frozen=True, slots=True)
class Evidence:
    digest: str
    signatures: list[dict[str, Any]]  # node props + "key", "node" (Signature|Attestation)
    builds: list[dict[str, Any]]  # Build props + "key", "verified", "sources"
    sbom: dict[str, Any] | None
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)  # props + package, vex
    # purl + licenses of the current SBOM's packages, read only by checks that need them
    load_packages: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])


# The parts of an artifact's evidence; a policy names the ones its checks read
# (`trust.policy.evidence_read`), and the verdict paths gather only those.
SIGNATURES, BUILDS, SBOM, VULNERABILITIES = "signatures", "builds", "sbom", "vulnerabilities"
ALL_PARTS = frozenset({SIGNATURES, BUILDS, SBOM, VULNERABILITIES})


def gather(store: GraphStore, digest: str) -> Evidence:
    return gather_many(store, [digest])[digest]


def gather_many(store: GraphStore, digests: Iterable[str],
                parts: frozenset[str] = ALL_PARTS) -> dict[str, Evidence]:
    """The evidence of many artifacts with a constant number of reads (re-evaluation
    judges thousands at once). A part not in `parts` is not read and stays empty
    (vulnerabilities need the current SBOM, so they bring it)."""
    wanted = sorted(set(digests))
    arts = [NodeRef(NodeKind.ARTIFACT, d) for d in wanted]
    want_sbom = SBOM in parts or VULNERABILITIES in parts
    # The edges into the artifacts, signatures' and SBOMs' alike, in one read.
    kinds = [*((EdgeKind.SIGNS, EdgeKind.ATTESTS) if SIGNATURES in parts else ()),
             *((EdgeKind.DESCRIBES,) if want_sbom else ())]
    incoming = store.edges(kinds, dst=arts) if arts and kinds else []
    signed = [e for e in incoming if e.kind != EdgeKind.DESCRIBES]
    describes = [e for e in incoming if e.kind == EdgeKind.DESCRIBES]
    signer_nodes: dict[tuple[NodeKind, str], dict[str, Any]] = {}
    for kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION):
        keys = sorted({e.src.key for e in signed if e.src.kind == kind})
        for key, node in store.get_many(kind, keys).items():
            signer_nodes[(kind, key)] = {**node.props, "key": key, "node": str(kind)}
    signatures: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for e in signed:
        found = signer_nodes.get((e.src.kind, e.src.key))
        if found is not None:
            signatures.setdefault(e.dst.key, {})[(str(e.src.kind), e.src.key)] = found
    built = store.edges([EdgeKind.BUILT_BY], src=arts) if arts and BUILDS in parts else []
    verified: dict[str, dict[str, bool]] = {}
    for e in built:
        per = verified.setdefault(e.src.key, {})
        per[e.dst.key] = per.get(e.dst.key, False) or bool(e.props.get("verified"))
    build_keys = sorted({k for per in verified.values() for k in per})
    build_nodes = store.get_many(NodeKind.BUILD, build_keys) if build_keys else {}
    from_edges = store.edges([EdgeKind.FROM], src=[NodeRef(NodeKind.BUILD, k)
                                                   for k in build_keys]) if build_keys else []
    sources = store.get_many(NodeKind.SOURCE, {e.dst.key for e in from_edges}) \
        if from_edges else {}
    sources_of: dict[str, list[dict[str, Any]]] = {}
    for e in from_edges:
        if e.dst.key in sources:
            sources_of.setdefault(e.src.key, []).append(dict(sources[e.dst.key].props))
    current = {d: infos[0] for d, infos in sboms_for_many(store, wanted, describes).items()
               if infos} if want_sbom else {}
    vulns = _vulnerabilities_many(store, {d: s.digest for d, s in current.items()}) \
        if VULNERABILITIES in parts else {}
    out: dict[str, Evidence] = {}
    for d in wanted:
        builds: list[dict[str, Any]] = []
        for key, is_verified in sorted(verified.get(d, {}).items()):
            build = build_nodes.get(key)
            if build is None:
                continue
            builds.append({**build.props, "key": key, "verified": is_verified,
                           "sources": [dict(x) for x in sources_of.get(key, [])]})
        sbom = current.get(d)
        sigs = [v for (_, _), v in sorted(signatures.get(d, {}).items())]
        out[d] = Evidence(d, sigs, builds, sbom.as_dict() if sbom else None, vulns.get(d, []),
                          _package_loader(store, sbom.digest if sbom else None))
    return out


def _package_loader(store: GraphStore, sbom: str | None
                    ) -> Callable[[], list[dict[str, Any]]]:
    return lambda: _packages(store, sbom)


def _packages(store: GraphStore, sbom: str | None) -> list[dict[str, Any]]:
    if sbom is None:
        return []
    listed = store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom)])
    nodes = store.get_many(NodeKind.PACKAGE, {e.dst.key for e in listed})
    return [{"purl": key, "licenses": list(node.props.get("licenses") or [])}
            for key, node in sorted(nodes.items())]


def _vulnerabilities_many(store: GraphStore, sbom_of: dict[str, str]
                          ) -> dict[str, list[dict[str, Any]]]:
    if not sbom_of:
        return {}
    listed = store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, s)
                                                for s in sorted(set(sbom_of.values()))])
    packages_of: dict[str, list[str]] = {}
    for e in listed:
        packages_of.setdefault(e.src.key, []).append(e.dst.key)
    packages = sorted({e.dst.key for e in listed})
    if not packages:
        return {}
    affected = store.edges([EdgeKind.AFFECTED_BY], src=[NodeRef(NodeKind.PACKAGE, p)
                                                        for p in packages])
    if not affected:
        return {}
    by_package: dict[str, list[Any]] = {}
    for e in affected:
        by_package.setdefault(e.src.key, []).append(e)
    arts = [NodeRef(NodeKind.ARTIFACT, a) for a in sorted(sbom_of)]
    vex: dict[str, dict[str, dict[str, Any]]] = {}
    for e in store.edges([EdgeKind.VEX], src=arts):
        vex.setdefault(e.src.key, {})[e.dst.key] = dict(e.props)
    nodes = store.get_many(NodeKind.VULNERABILITY, {e.dst.key for e in affected})
    ratings = alias_ratings(store, nodes)  # a record without CVSS is rated as its aliases
    out: dict[str, list[dict[str, Any]]] = {}
    for art, sbom in sbom_of.items():
        found: list[dict[str, Any]] = []
        for package in packages_of.get(sbom, []):
            for edge in by_package.get(package, []):
                node = nodes.get(edge.dst.key)
                if node is None:
                    continue
                found.append({**node.props, **effective_severity(node, ratings.get(node.key)),
                              "id": node.key, "package": edge.src.key,
                              "vex": vex.get(art, {}).get(node.key)})
        if found:
            out[art] = found
    return out
