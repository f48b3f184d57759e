"""`provenance-linker backup FILE` and `restore FILE [--db URL]` (ops/backup.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from ..ingest.gcpause import gc_paused
from ..jobs import open_queue, queue_url_for
from ..jobs.interface import JobQueue
from ..ops import backup as archive
from ..store import open_store
from ..telemetry import events
from ..telemetry.logging import get_logger
from .context import AppState, state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table


def _queue(st: AppState, db_url: str, include: bool) -> JobQueue | None:
    return open_queue(queue_url_for(db_url, st.settings.queue_url)) if include else None


def backup(ctx: typer.Context,
           file: Path = typer.Argument(..., help="archive to write (gzip'd JSON lines)"),
           queue: bool = typer.Option(True, "--queue/--no-queue",
                                      help="include the pending jobs of the SBOM queue"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Snapshot the whole store (graph, evidence, trust store, policies, tokens, blocks,
    bypasses, audit trail, ledger, queue) while writes continue."""
    st = state(ctx)
    jobs = _queue(st, st.settings.db_url, queue)
    try:
        with gc_paused():  # millions of short-lived rows: see ingest/gcpause.py
            manifest = archive.write_backup(st.store(), file,
                                            clock=lambda: datetime.now(UTC), queue=jobs)
    finally:
        if jobs is not None:
            jobs.close()
    get_logger().info(events.BACKUP_WRITTEN, file=str(file), documents=manifest.documents,
                      content_digest=manifest.content_digest)
    data = {"file": str(file), **manifest.as_dict()}
    emit(data, output, lambda d: console.print(table("Backup written", ["", ""], [
        (k, d[k]) for k in ("file", "documents", "records", "log_entries", "jobs",
                            "content_digest")]), highlight=False))


def restore(ctx: typer.Context,
            file: Path = typer.Argument(..., help="archive written by `backup`"),
            db: str | None = typer.Option(None, "--db", help="empty store to restore into "
                                          "(default: the global --db)"),
            queue: bool = typer.Option(True, "--queue/--no-queue",
                                       help="re-queue the archive's pending jobs"),
            check_only: bool = typer.Option(False, "--check", help="only check the archive"),
            output: OutputFormat = OUTPUT_OPTION) -> None:
    """Check the archive whole, restore it into an empty store (SQLite or Neo4j), and
    prove the result by the archive's content digest."""
    st = state(ctx)
    target = open_store(db) if db else st.store()
    jobs = _queue(st, db or st.settings.db_url, queue and not check_only)
    try:
        if check_only:
            manifest = archive.check_archive(file, target.sealer)
            emit(manifest.as_dict(), output, lambda d: console.print(
                f"archive intact: {d['documents']} documents, digest {d['content_digest']}",
                highlight=False))
            return
        with gc_paused():
            report = archive.restore(file, target, queue=jobs).as_dict()
    finally:
        if jobs is not None:
            jobs.close()
        if db:
            target.close()
    get_logger().info(events.RESTORE_DONE, file=str(file), target=report["target"],
                      content_digest=report["content_digest"])
    emit(report, output, lambda r: console.print(table("Restored (verified)", ["", ""], [
        (k, r[k]) for k in ("target", "documents", "records", "log_entries", "jobs",
                            "content_digest")]), highlight=False))
