"""`store prune --superseded-before DATE`: remove SBOMs a newer SBOM of the same artifact
has superseded, ingested before DATE, and the facts of workloads that ended before DATE,
optionally writing what goes to an archive first; then give the space back (SQLite
VACUUM) and report it: bytes where the backend can tell, nodes and edges removed always.

Ended workloads are kept by the runtime document that last rewrote them, beside the
workloads that still run (docs/runtime.md). Pruning them replaces each such document by
one that re-asserts everything it asserted except the ended workloads, through the plain
`apply` (one transaction each), so every backend prunes the same way and the seals stay
right; the `runtime` history log keeps their starts and ends.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..errors import UsageError
from ..graph.sboms import sboms_for
from ..model import Batch, DocumentInfo, EdgeKind, Node, NodeKind
from ..store.interface import GraphStore
from . import backup


@dataclass(slots=True)
class PruneReport:
    before: str
    dry_run: bool
    documents: list[str] = field(default_factory=list)
    archive: str | None = None
    size_before: int | None = None
    size_after: int | None = None
    workloads: list[str] = field(default_factory=list)  # ended workloads removed
    removed: dict[str, int] = field(default_factory=dict)  # nodes and edges removed

    @property
    def reclaimed_bytes(self) -> int | None:
        if self.size_before is None or self.size_after is None:
            return None
        return self.size_before - self.size_after

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reclaimed_bytes": self.reclaimed_bytes}


def superseded_before(store: GraphStore, before: datetime) -> list[DocumentInfo]:
    """SBOM documents ingested before `before` that are not current for any artifact
    they describe (queries/sboms.py decides which SBOM is current)."""
    artifacts = sorted({e.dst.key for e in store.edges([EdgeKind.DESCRIBES])})
    current: set[str] = set()
    superseded: set[str] = set()
    for digest in artifacts:
        for info in sboms_for(store, digest):
            (current if info.current else superseded).add(info.digest)
    found = []
    for digest in sorted(superseded - current):
        doc = store.document(digest)
        if doc is not None and doc.ingested_at and _instant(doc.ingested_at) < before:
            found.append(doc)
    return sorted(found, key=lambda d: d.seq or 0)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ended_before(store: GraphStore, before: datetime) -> list[Node]:
    """Workload facts that stopped running before `before` (deleted, scaled to 0, gone
    from a later snapshot)."""
    return sorted((n for n in store.find(NodeKind.DEPLOYMENT, {"running": False})
                   if n.props.get("until") and _instant(str(n.props["until"])) < before),
                  key=lambda n: n.key)


def _keeping_documents(store: GraphStore, ended: list[Node]) -> list[DocumentInfo]:
    digests = {str(n.props["runtime_doc"]) for n in ended if n.props.get("runtime_doc")}
    docs = [store.document(d) for d in sorted(digests)]
    return sorted((d for d in docs if d is not None), key=lambda d: d.seq or 0)


def _without(store: GraphStore, doc: DocumentInfo, gone: set[str], now: str) -> Batch | None:
    """The batch replacing `doc` with everything it asserts except the `gone` workloads
    (None when nothing else is left: the document is simply withdrawn)."""
    exported = store.export_document(doc.digest)
    if exported is None:
        return None
    nodes = [n for n in exported.nodes if not (n.kind == NodeKind.DEPLOYMENT and n.key in gone)]
    edges = [dataclasses.replace(e, doc=None) for e in exported.edges
             if not ({e.src.key, e.dst.key} & gone and NodeKind.DEPLOYMENT in
                     (e.src.kind, e.dst.kind))]
    if not any(n.kind == NodeKind.DEPLOYMENT for n in nodes):
        return None
    digest = "sha256:" + hashlib.sha256(f"prune\x1f{doc.digest}\x1f{now}".encode()).hexdigest()
    info = DocumentInfo(digest=digest, kind=doc.kind, format=doc.format,
                        name=f"{doc.name} (ended workloads pruned)",
                        meta={**doc.meta, "pruned_from": doc.digest, "pruned_at": now})
    nodes = [Node(n.kind, n.key, {**n.props, "runtime_doc": digest})
             if n.kind == NodeKind.DEPLOYMENT else n for n in nodes]
    return Batch(document=info, nodes=nodes, edges=edges, replaces=[doc.digest])


def _removed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    nodes = sum(n for k, n in before.items() if k[0].isupper() and not k.isupper())
    edges = sum(n for k, n in before.items() if k.isupper())
    return {"nodes": nodes - sum(n for k, n in after.items()
                                 if k[0].isupper() and not k.isupper()),
            "edges": edges - sum(n for k, n in after.items() if k.isupper())}


def prune(store: GraphStore, before: datetime, *, archive: Path | None = None,
          dry_run: bool = False, clock: Callable[[], datetime]) -> PruneReport:
    docs = superseded_before(store, before)
    ended = ended_before(store, before)
    keeping = _keeping_documents(store, ended)
    report = PruneReport(before.isoformat(), dry_run, [d.digest for d in docs],
                         str(archive) if archive else None, store.size_bytes(),
                         workloads=[n.key for n in ended])
    if dry_run or not (docs or ended):
        report.size_after = report.size_before
        report.removed = {"nodes": 0, "edges": 0}
        return report
    counts = store.counts()
    if archive is not None:
        _write_archive(store, [*docs, *keeping], archive, clock)
    for doc in docs:
        store.delete_document(doc.digest)
    gone = {n.key for n in ended}
    now = clock().isoformat()
    for doc in keeping:
        batch = _without(store, doc, gone, now)
        if batch is None:
            store.delete_document(doc.digest)
        else:
            store.apply(batch)
    store.reclaim_space()
    report.size_after = store.size_bytes()
    report.removed = _removed(counts, store.counts())
    # a workload another document still asserts stays (and is not reported as removed)
    still = store.get_many(NodeKind.DEPLOYMENT, gone)
    report.workloads = [k for k in report.workloads if k not in still]
    return report


def _write_archive(store: GraphStore, docs: list[DocumentInfo], path: Path,
                   clock: Callable[[], datetime]) -> None:
    """The pruned documents in the backup format (header, document lines, manifest with
    the body digest), so `restore --check` can verify the archive."""
    try:
        with gzip.open(path, "wb", compresslevel=1) as out:
            writer = backup.ArchiveWriter(out)
            writer.line({"t": "header", "format": backup.FORMAT, "version": backup.VERSION,
                         "created_at": clock().isoformat(), "source": "prune"})
            manifest = backup.Manifest(source="prune", created_at=clock().isoformat())
            for doc in docs:
                batch = store.export_document(doc.digest)
                if batch is not None:
                    writer.line(backup.document_line(batch))
                    manifest.documents += 1
            manifest.body_sha256 = writer.body.hexdigest()
            out.write(orjson.dumps({"t": "manifest", **manifest.as_dict()}) + b"\n")
    except OSError as exc:
        raise UsageError(f"cannot write the prune archive: {exc.strerror}",
                         where=str(path)) from exc


def store_size_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """`provenance_store_size_bytes` (no series when the backend cannot tell)."""
    size = store.size_bytes()
    return [] if size is None else [({}, float(size))]
