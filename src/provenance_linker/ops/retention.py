"""`store prune --superseded-before DATE`: remove SBOMs a newer SBOM of the same artifact
has superseded, ingested before DATE, optionally writing them to an archive first; then
give the space back (SQLite VACUUM) and report it."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ..errors import UsageError
from ..graph.sboms import sboms_for
from ..model import DocumentInfo, EdgeKind
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


def prune(store: GraphStore, before: datetime, *, archive: Path | None = None,
          dry_run: bool = False, clock: Callable[[], datetime]) -> PruneReport:
    docs = superseded_before(store, before)
    report = PruneReport(before.isoformat(), dry_run, [d.digest for d in docs],
                         str(archive) if archive else None, store.size_bytes())
    if dry_run or not docs:
        report.size_after = report.size_before
        return report
    if archive is not None:
        _write_archive(store, docs, archive, clock)
    for doc in docs:
        store.delete_document(doc.digest)
    store.reclaim_space()
    report.size_after = store.size_bytes()
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
