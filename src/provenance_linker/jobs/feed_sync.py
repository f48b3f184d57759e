"""`feeds sync`: pull OSV `all.zip` archives (and malicious-packages data) from a mirror
and ingest only what changed.

Per archive: a conditional GET with the ETag / Last-Modified of the last good sync
(kept in the store, collection `feed-sync`); an unchanged archive costs one request. A
changed archive is checked as a whole (`feed_archive`) before any record is read; a
refused archive ingests nothing and keeps the old state, so the next run retries.
Per record: a member whose bytes were ingested before is skipped by digest, an
advisory whose `modified` is not newer than the stored one changes nothing; only new or
newer records are written (one transaction each).

Mirror layout (as OSV's bucket): `<mirror>/<ecosystem>/all.zip`; malicious-packages
data at `<mirror>/malicious-packages/all.zip` (any zip of its `osv/**.json` records).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from ..documents import Limits, load
from ..errors import InvalidDocument, ProvenanceError
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger
from .feed_archive import ArchiveLimits, iter_records, open_archive
from .feed_http import Fetched

STATE_COLLECTION = "feed-sync"
MALICIOUS_SOURCE = "malicious-packages"


class Fetcher(Protocol):
    def fetch(self, url: str, dest: Path, etag: str | None, last_modified: str | None
              ) -> Fetched: ...


@dataclass(frozen=True, slots=True)
class FeedSource:
    name: str  # ecosystem, or "malicious-packages"
    url: str


def sources_for(mirror: str, ecosystems: Iterable[str], malicious: bool) -> list[FeedSource]:
    base = mirror.rstrip("/")
    out = [FeedSource(e, f"{base}/{quote(e)}/all.zip") for e in ecosystems]
    if malicious:
        out.append(FeedSource(MALICIOUS_SOURCE, f"{base}/{MALICIOUS_SOURCE}/all.zip"))
    return out


@dataclass(slots=True)
class SourceReport:
    source: str
    url: str
    status: str = "not-modified"  # not-modified | synced | refused | failed
    records: int = 0  # record members in the archive
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "url": self.url, "status": self.status,
                "records": self.records, "new": self.new, "replaced": self.replaced,
                "unchanged": self.unchanged, "refused": self.refused, "error": self.error}


Ingest = Callable[[Any], Any]  # Document -> IngestReport


def _default_ingest(store: GraphStore, limits: Limits) -> Ingest:
    from ..ingest.contract import IngestOptions
    from ..ingest.orchestrator import Linker

    linker, options = Linker(store), IngestOptions(limits=limits)
    return lambda document: linker.ingest(document, options)


def sync_source(store: GraphStore, source: FeedSource, fetcher: Fetcher, *,
                limits: Limits = Limits(), archive_limits: ArchiveLimits | None = None,
                ingest: Ingest | None = None, clock: Callable[[], datetime] | None = None
                ) -> SourceReport:
    report = SourceReport(source.name, source.url)
    state = store.get_record(STATE_COLLECTION, source.url) or {}
    bounds = archive_limits or ArchiveLimits(max_member_bytes=min(limits.max_bytes,
                                                                  16 * 1024 * 1024))
    run = ingest or _default_ingest(store, limits)
    with tempfile.TemporaryDirectory(prefix="feed-") as tmp:
        dest = Path(tmp) / "all.zip"
        try:
            got = fetcher.fetch(source.url, dest, state.get("etag"), state.get("last_modified"))
        except ProvenanceError as exc:
            report.status, report.error = "failed", str(exc)
            return report
        if got.status == 304:
            return report
        try:
            archive, members = open_archive(dest, source.url, bounds)
        except InvalidDocument as exc:
            report.status, report.error = "refused", str(exc)
            return report
        with archive:
            for label, data, error in iter_records(archive, members, source.url, bounds):
                report.records += 1
                if error is None and data is not None:
                    try:
                        result = run(load(data, label, limits))
                    except ProvenanceError as exc:
                        error = exc
                    else:
                        _count(report, result)
                        continue
                report.refused.append({"record": label, "error": str(error)})
    report.status = "synced"
    now = (clock or (lambda: datetime.now(UTC)))().isoformat()
    store.put_record(STATE_COLLECTION, source.url, {
        "etag": got.etag, "last_modified": got.last_modified, "synced_at": now,
        "source": source.name, "records": report.records})
    return report


def _count(report: SourceReport, result: Any) -> None:
    status = (result.summary or {}).get("status")
    if not result.created or status == "unchanged":
        report.unchanged += 1
    elif status == "replaced":
        report.replaced += 1
    else:
        report.new += 1


def sync(store: GraphStore, sources: Iterable[FeedSource], fetcher: Fetcher, *,
         limits: Limits = Limits(), archive_limits: ArchiveLimits | None = None
         ) -> list[SourceReport]:
    log = get_logger()
    reports = []
    for source in sources:
        r = sync_source(store, source, fetcher, limits=limits, archive_limits=archive_limits)
        log.info(events.FEED_SYNCED, source=r.source, status=r.status, new=r.new,
                 replaced=r.replaced, unchanged=r.unchanged, refused=len(r.refused))
        reports.append(r)
    return reports


def run_every(interval: float, stop: threading.Event, job: Callable[[], object]) -> None:
    """Run `job` now and then every `interval` seconds until `stop` is set (the worker's
    feed schedule); a failing run is logged and retried at the next tick."""
    log = get_logger()
    while not stop.is_set():
        try:
            job()
        except Exception as exc:  # a schedule must outlive one bad run
            log.error(events.FEED_SYNC_FAILED, error=str(exc))
        stop.wait(interval)
