"""OsvRecord → Batch: the Vulnerability node, its aliases, anchors, and matches.

Idempotent by id and `modified`: a newer revision replaces the document of the older
one (`Batch.replaces`), so its anchors and AFFECTED_BY edges go with it; an older or
equal revision changes nothing. A withdrawn record keeps its node (history) but
asserts no anchors and no matches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..documents import Document
from ..formats.osv import OsvRecord
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..vulns.matcher import (
    TYPE_OF_ECOSYSTEM,
    anchor_key,
    commit_of,
    match_entries,
    record_entries,
    release_of_purl,
    spec_from_props,
)
from ..vulns.ranges import base_ecosystem, compile_range, parser_for
from ..vulns.severity import assess
from .contract import BuildContext, Built
from .hash_match import hash_anchors, hash_edge, packages_with_hashes

MAX_MATCH_LOOKUPS = 10_000  # distinct package names one advisory may look up


def parse_time(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def vulnerability_props(record: OsvRecord, document: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "aliases": record.aliases, "related": record.related, "summary": record.summary,
        "withdrawn": bool(record.withdrawn), "withdrawn_at": record.withdrawn,
        "malicious": record.malicious, "modified": record.modified,
        "published": record.published, "document": document,
        "affected": [{"ecosystem": a.ecosystem, "name": a.name, "purl": a.purl,
                      "versions": list(a.versions), "ranges": list(a.ranges)}
                     for a in record.affected],
    }
    sev = assess(record.raw).as_props()
    # Explicit empty values, not None: a revision must overwrite what an older one said.
    props.update({k: ("" if v is None else v) for k, v in sev.items()})
    return props


def unorderable_ranges(record: OsvRecord) -> list[str]:
    """A SEMVER/ECOSYSTEM range whose versions cannot be ordered never matches: say so."""
    out = []
    for i, a in enumerate(record.affected):
        if parser_for(a.ecosystem) is None:
            continue
        for j, raw in enumerate(a.ranges):
            if str(raw.get("type", "")).upper() in ("SEMVER", "ECOSYSTEM") \
                    and compile_range(a.ecosystem, raw) is None:
                out.append(f"{record.id}: affected[{i}].ranges[{j}] ({a.ecosystem} {a.name}) "
                           "has versions that cannot be ordered in the ecosystem; the range "
                           "is not used for matching")
    return out


def _is_newer(new: str, old: str) -> bool:
    new_t, old_t = parse_time(new), parse_time(old)
    if new_t is None or old_t is None:
        return bool(new_t) and not old_t
    return new_t > old_t


def _matches(store: GraphStore, record: OsvRecord, vuln: NodeRef) -> list[Edge]:
    grouped = record_entries(record)
    edges: list[Edge] = []
    for (base, name), entries in list(grouped.items())[:MAX_MATCH_LOOKUPS]:
        specs = [(record.id, spec_from_props(name, e)) for e in entries]
        names = {name, *(a.name for a in record.affected
                         if base_ecosystem(a.ecosystem) == base
                         and a.name.lower() == name.lower())}
        for candidate in sorted(names):
            for pkg in store.find(NodeKind.PACKAGE, {"name": candidate}):
                version = str(pkg.props.get("version") or "")
                if pkg.props.get("ecosystem") != base or not version:
                    continue
                for m in match_entries(specs, version, commit_of(pkg.props),
                                       release_of_purl(pkg.key, pkg.props)):
                    edges.append(Edge(EdgeKind.AFFECTED_BY, pkg.ref, vuln,
                                      m.edge_props(version)))
    return edges


def advisory_batch(record: OsvRecord, document: Document, store: GraphStore
                   ) -> tuple[Batch, dict[str, Any], list[str]]:
    vuln = NodeRef(NodeKind.VULNERABILITY, record.id)
    warnings = [*record.warnings, *unorderable_ranges(record)]
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size, "advisory": record.id,
                              "modified": record.modified})
    summary: dict[str, Any] = {"id": record.id, "status": "new", "aliases": len(record.aliases),
                               "malicious": record.malicious,
                               "withdrawn": bool(record.withdrawn),
                               "affected_packages": 0, "matched_packages": 0}
    replaces: list[str] = []
    existing = store.get(vuln)
    old_doc = str(existing.props.get("document") or "") if existing else ""
    old_info = store.document(old_doc) if old_doc else None
    if existing is not None and old_info is not None:
        if not _is_newer(record.modified, str(existing.props.get("modified") or "")):
            summary["status"] = "unchanged"
            warnings.append(f"{record.id}: revision modified {record.modified or '(none)'} is "
                            f"not newer than the stored {existing.props.get('modified')}; "
                            "nothing changed")
            return Batch(document=old_info), summary, warnings
        replaces.append(old_doc)
        summary["status"] = "replaced"
        summary["replaced"] = old_doc

    nodes = [Node(NodeKind.VULNERABILITY, record.id,
                  vulnerability_props(record, document.digest))]
    summary["severity"] = nodes[0].props["severity"] or None
    edges: list[Edge] = []
    for alias in record.aliases:
        nodes.append(Node(NodeKind.VULNERABILITY, alias, {}))
        edges.append(Edge(EdgeKind.ALIAS_OF, vuln, NodeRef(NodeKind.VULNERABILITY, alias)))
    if not record.withdrawn:
        grouped = record_entries(record)
        summary["affected_packages"] = len(grouped)
        for (base, name), entries in grouped.items():
            key = anchor_key(base, name)
            nodes.append(Node(NodeKind.PACKAGE, key, {
                "purl_type": TYPE_OF_ECOSYSTEM.get(base, "generic"), "ecosystem": base,
                "name": name}))
            edges.append(Edge(EdgeKind.AFFECTED_BY, NodeRef(NodeKind.PACKAGE, key), vuln,
                              {"anchor": True, "entries": entries}))
        matched = _matches(store, record, vuln)
        hash_nodes, anchors = hash_anchors(record, vuln)
        nodes.extend(hash_nodes)
        edges.extend(anchors)
        by_name = {e.src.key for e in matched}
        matched += [hash_edge(pkg, vuln, version, anchor.props, anchor.src.key[7:])
                    for anchor, pkg, version in packages_with_hashes(store, anchors)
                    if pkg.key not in by_name]
        summary["matched_packages"] = len({e.src.key for e in matched})
        if anchors:
            summary["integrity_hashes"] = len(anchors)
        edges.extend(matched)
    return Batch(document=info, nodes=nodes, edges=edges, replaces=replaces), summary, warnings


def build_advisory(record: OsvRecord, document: Document, ctx: BuildContext) -> Built:
    batch, summary, warnings = advisory_batch(record, document, ctx.store)
    return Built(batch, summary, warnings)
