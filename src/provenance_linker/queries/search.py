"""`query search TEXT`: find packages, artifacts and advisories across the portfolio.

What TEXT is decides what is searched (docs/explorer.md#search):
- `pkg:TYPE/NS/NAME@VERSION`: that package; without `@VERSION`, every version of it;
  ending in `*` or `/`, or matching no name exactly, every package whose purl starts so;
- `sha256:HEX` (or 64 hex digits): the artifact with that digest, packages with that hash;
- `license:ID` or a bare SPDX license id: packages whose license expression names it;
- anything else: an advisory id or alias, an image name (exact, repository, or part of
  one), and a package name in any ecosystem.
Packages come with the artifacts whose current SBOM holds them (base images included).
"""

from __future__ import annotations

from typing import Any

from ..errors import NotFound, UsageError
from ..formats.license_expressions import is_license_id
from ..formats.license_expressions import parse as parse_licenses
from ..graph.refs import names_of
from ..model import EdgeKind, Node, NodeKind, NodeRef, is_sha256_hex, sha256_digest
from ..purls import PurlError, parse_purl
from ..store.interface import GraphStore
from ..vulns.graphview import primary, resolve_group, vuln_summary
from .portfolio import holders

MAX_QUERY = 512
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000  # deeper pages are refused: a search is not an export
SCAN_CAP = 20_000  # packages read by one prefix or license scan


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise UsageError(f"offset must be between 0 and {MAX_OFFSET}")
    return limit, offset


def _prefix(store: GraphStore, kind: NodeKind, prefix: str) -> list[Node]:
    native = getattr(store, "find_key_prefix", None)
    if native is not None:
        found: list[Node] = native(kind, prefix, SCAN_CAP)
        return found
    return [n for n in store.find(kind) if n.key.startswith(prefix)][:SCAN_CAP]


def _purl_packages(store: GraphStore, text: str) -> tuple[list[Node], str]:
    stem = text.rstrip("*")
    if text.endswith(("*", "/")):
        return _prefix(store, NodeKind.PACKAGE, stem), "purl prefix"
    try:
        parsed = parse_purl(text)
    except PurlError:
        return _prefix(store, NodeKind.PACKAGE, stem), "purl prefix"
    if parsed.version:
        node = store.get(NodeRef(NodeKind.PACKAGE, parsed.key))
        return ([node] if node else []), "purl"
    same: list[Node] = []
    parsed = parse_purl(parsed.key)  # compared by package identity (purls.identity)
    for node in store.find(NodeKind.PACKAGE, {"name": parsed.package_name}):
        try:
            other = parse_purl(node.key)
        except PurlError:
            continue
        if (other.type, other.namespace, other.name) == (parsed.type, parsed.namespace,
                                                         parsed.name):
            same.append(node)
    if same:
        return same, "purl, any version"
    return _prefix(store, NodeKind.PACKAGE, stem), "purl prefix"


def _license_packages(store: GraphStore, license_id: str) -> list[Node]:
    wanted = license_id.lower()
    out = []
    for node in store.find(NodeKind.PACKAGE)[:SCAN_CAP]:
        info = parse_licenses(tuple(node.props.get("licenses") or ()))
        if any(wanted in (lic.lower(), lic.split(" WITH ")[0].lower())
               for lic in info.licenses):
            out.append(node)
    return out


def _all_with_hash(store: GraphStore, hex_digest: str) -> list[Node]:
    linked = store.edges([EdgeKind.IS], dst=[NodeRef(NodeKind.ARTIFACT, "sha256:" + hex_digest)])
    return list(store.get_many(NodeKind.PACKAGE, {e.src.key for e in linked}).values())


def _name_artifacts(store: GraphStore, text: str) -> list[str]:
    exact = store.get(NodeRef(NodeKind.NAME, text))
    names = [exact.ref] if exact else []
    names += [n.ref for n in store.find(NodeKind.NAME, {"repository": text})]
    if not names:
        lowered = text.lower()
        names = [n.ref for n in store.find(NodeKind.NAME) if lowered in n.key.lower()]
    if not names:
        return []
    return sorted({e.dst.key for e in store.edges([EdgeKind.NAMES], src=names)})


def search(store: GraphStore, text: str, *, limit: int = 50, offset: int = 0
           ) -> dict[str, Any]:
    query = text.strip()
    if not query:
        raise UsageError("empty search", hint="give a purl, digest, image name, advisory id "
                         "or license id")
    if len(query) > MAX_QUERY:
        raise UsageError(f"search text is longer than {MAX_QUERY} characters")
    limit, offset = _page(limit, offset)
    packages: list[Node] = []
    artifacts: list[str] = []
    advisories: list[dict[str, Any]] = []
    matched: list[str] = []
    lowered = query.lower()
    if lowered.startswith("pkg:"):
        packages, how = _purl_packages(store, query)
        matched.append(how)
    elif lowered.startswith("sha256:") or is_sha256_hex(query):
        try:
            digest = sha256_digest(query)
        except ValueError as exc:
            raise UsageError(f"bad digest {query!r}",
                             hint="a digest is sha256:<64 hex digits>") from exc
        if store.get(NodeRef(NodeKind.ARTIFACT, digest)) is not None:
            artifacts.append(digest)
        packages = _all_with_hash(store, digest[7:])
        matched.append("digest")
    elif lowered.startswith("license:"):
        packages = _license_packages(store, query.split(":", 1)[1].strip())
        matched.append("license")
    else:
        try:
            ids, records = resolve_group(store, query)
            advisories.append(vuln_summary(primary(records, query), ids))
            matched.append("advisory")
        except NotFound:
            pass
        artifacts = _name_artifacts(store, query)
        if artifacts:
            matched.append("image name")
        by_name = store.find(NodeKind.PACKAGE, {"name": query})
        if not by_name and lowered != query:
            by_name = store.find(NodeKind.PACKAGE, {"name": lowered})
        if by_name:
            packages = by_name
            matched.append("package name")
        elif is_license_id(query):
            packages = _license_packages(store, query)
            if packages:
                matched.append("license")
    # Advisory matching adds versionless per-name anchor packages; no SBOM lists those
    # (a package an SBOM lists always has a `version` property, None when unstated).
    packages = sorted((n for n in packages if "version" in n.props), key=lambda n: n.key)
    page = packages[offset:offset + limit]
    held = holders(store, [n.key for n in page])
    names = names_of(store, {*artifacts, *(h.artifact for hs in held.values() for h in hs)})
    package_rows = []
    for node in page:
        info = parse_licenses(tuple(node.props.get("licenses") or ()))
        package_rows.append({
            "purl": node.key, "name": node.props.get("name"),
            "version": node.props.get("version"), "ecosystem": node.props.get("ecosystem"),
            "license": info.expression, "licenses": list(info.licenses),
            "artifacts": [{"digest": h.artifact, "names": names.get(h.artifact, []),
                           "via": h.via} for h in held.get(node.key, [])]})
    return {
        "query": query, "matched": matched, "limit": limit, "offset": offset,
        "total_packages": len(packages),
        "packages": package_rows,
        "artifacts": [{"digest": d, "names": names.get(d, [])} for d in artifacts],
        "advisories": advisories,
    }
