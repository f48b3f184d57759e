"""Move a whole graph between stores (SQLite → Neo4j and back), then prove it arrived.

Documents are re-applied in ingest order from `export_document` (one transaction each,
original ingest times kept), records are copied per collection, and hash-chained logs
are copied verbatim (same sequence numbers, times and hashes). The copy is verified by
per-kind counts, the backend-independent `content_digest()`, and the logs' last hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import StoreError, UsageError
from ..model import DocumentInfo, LogEntry
from . import display_url
from .interface import GraphStore

LOG_PAGE = 10_000  # log entries read and written per round


@dataclass(slots=True)
class CopyReport:
    source: str
    target: str
    documents: int = 0
    records: int = 0
    log_entries: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    source_digest: str = ""
    target_digest: str = ""
    verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "documents": self.documents,
                "records": self.records, "log_entries": self.log_entries,
                "counts": dict(sorted(self.counts.items())),
                "source_digest": self.source_digest, "target_digest": self.target_digest,
                "verified": self.verified}


def all_records(store: GraphStore) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(collection, key, value) of every record, collection by collection."""
    for collection in store.record_collections():
        for key, value in store.list_records(collection):
            yield collection, key, value


def log_pages(store: GraphStore, streams: Sequence[str] | None = None
              ) -> Iterator[tuple[str, list[LogEntry]]]:
    """(stream, page of entries in sequence order) of every log, or of `streams`."""
    for stream in store.log_streams() if streams is None else streams:
        after = 0
        while page := store.read_log(stream, after=after, limit=LOG_PAGE):
            yield stream, page
            after = page[-1].seq


def _require_empty(target: GraphStore) -> None:
    if (target.documents() or target.record_collections() or target.log_streams()
            or any(n for k, n in target.counts().items() if k != "documents")):
        raise UsageError("the target store is not empty", where=display_url(target),
                         hint="copy into a new database, so the copy can be verified")


def copy_store(source: GraphStore, target: GraphStore, *,
               progress: Callable[[int, int, DocumentInfo], None] | None = None) -> CopyReport:
    """Copy everything from `source` into the empty `target`; raise StoreError if the
    result does not verify."""
    _require_empty(target)
    report = CopyReport(display_url(source), display_url(target))
    documents = source.documents()
    for index, info in enumerate(documents, 1):
        batch = source.export_document(info.digest)
        if batch is None:  # withdrawn while we copied
            continue
        target.apply(batch)
        report.documents += 1
        if progress is not None:
            progress(index, len(documents), info)
    for collection, key, value in all_records(source):
        target.put_record(collection, key, value)
        report.records += 1
    for stream, page in log_pages(source):
        report.log_entries += target.import_log(stream, page)
    _verify(source, target, report)
    return report


def _verify(source: GraphStore, target: GraphStore, report: CopyReport) -> None:
    problems: list[str] = []
    report.counts = source.counts()
    target_counts = target.counts()
    if target_counts != report.counts:
        diff = sorted(k for k in set(report.counts) | set(target_counts)
                      if report.counts.get(k, 0) != target_counts.get(k, 0))
        problems.append(f"counts differ for {', '.join(diff)}")
    report.source_digest = source.content_digest()
    report.target_digest = target.content_digest()
    if report.source_digest != report.target_digest:
        problems.append("content digests differ")
    for collection in source.record_collections():
        if source.list_records(collection) != target.list_records(collection):
            problems.append(f"records differ in {collection!r}")
    for stream in source.log_streams():
        if _log_head(source, stream) != _log_head(target, stream):
            problems.append(f"log {stream!r} differs")
    if problems:
        raise StoreError("copy verification failed: " + "; ".join(problems),
                         where=report.target)
    report.verified = True


def _log_head(store: GraphStore, stream: str) -> tuple[int, str] | None:
    """(entry count, last hash): equal heads mean equal chains, the hashes link them."""
    last = None
    count = 0
    for _, page in log_pages(store, [stream]):
        count += len(page)
        last = page[-1]
    return (count, last.hash) if last is not None else None
