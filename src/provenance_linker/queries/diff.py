"""Package differences between two artifacts' current SBOMs.

Packages are compared by (ecosystem, ecosystem-qualified name); a name present on both
sides with a different set of versions is *changed*, not added plus removed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..errors import NotFound
from ..graph.refs import ArtifactRef, resolve
from ..graph.sboms import current_sbom
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

PackageKey = tuple[str, str]  # (ecosystem, name)


def _side(store: GraphStore, ref: ArtifactRef | str) -> tuple[dict[str, Any],
                                                              dict[PackageKey, dict[str, str]]]:
    resolved = resolve(store, ref)
    digest = resolved.digest
    assert digest is not None
    sbom = current_sbom(store, digest)
    if sbom is None:
        raise NotFound(f"no SBOM describes {resolved.name or digest}", where=digest,
                       hint="ingest one with `provenance-linker ingest sbom FILE --artifact REF`")
    listed = store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom.digest)])
    nodes = store.get_many(NodeKind.PACKAGE, [e.dst.key for e in listed])
    versions: dict[PackageKey, dict[str, str]] = defaultdict(dict)  # key -> version -> purl
    for purl, node in nodes.items():
        key = (str(node.props.get("ecosystem") or ""), str(node.props.get("name") or purl))
        versions[key][str(node.props.get("version") or "")] = purl
    info = {"artifact": digest, "name": resolved.name, "sbom": sbom.digest,
            "packages": len(nodes)}
    return info, dict(versions)


def _entries(key: PackageKey, versions: dict[str, str]) -> list[dict[str, Any]]:
    return [{"ecosystem": key[0], "name": key[1], "version": version or None, "purl": purl}
            for version, purl in sorted(versions.items())]


def diff(store: GraphStore, before: ArtifactRef | str, after: ArtifactRef | str) -> dict[str, Any]:
    """What changed from `before` to `after`: added, removed and changed packages."""
    info_a, side_a = _side(store, before)
    info_b, side_b = _side(store, after)
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    unchanged = 0
    for key in sorted(side_a.keys() | side_b.keys()):
        a, b = side_a.get(key), side_b.get(key)
        if a is None and b is not None:
            added.extend(_entries(key, b))
        elif b is None and a is not None:
            removed.extend(_entries(key, a))
        elif a is not None and b is not None:
            if set(a) == set(b):
                unchanged += 1
            else:
                changed.append({"ecosystem": key[0], "name": key[1],
                                "from": sorted(v or "" for v in a),
                                "to": sorted(v or "" for v in b)})
    return {"from": info_a, "to": info_b, "added": added, "removed": removed,
            "changed": changed, "unchanged": unchanged}
