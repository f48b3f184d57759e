"""`provenance-linker store …`: schema migrations and statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from ..errors import UsageError
from ..store import display_url
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Manage the graph store: migrate, stats, copy.", no_args_is_help=True)


@app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the schema (constraints and indexes)."""
    store = state(ctx).store()
    version = store.migrate()
    console.print(f"schema at version {version} ({display_url(store)})", highlight=False)


@app.command("stats")
def stats(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Node, edge and document counts."""
    counts = state(ctx).store().counts()
    emit(counts, output, lambda c: console.print(
        table("Graph", ["kind", "count"], sorted(c.items()))))


@app.command("copy")
def copy(ctx: typer.Context,
         source: str | None = typer.Option(None, "--from", help="store URL to copy from "
                                           "(default: --db)"),
         target: str = typer.Option(..., "--to", help="empty store URL to copy into"),
         output: OutputFormat = OUTPUT_OPTION) -> None:
    """Copy the whole graph, records and logs to another store, then verify the copy."""
    from ..store import open_store
    from ..store.copy import copy_store

    src = open_store(source) if source else state(ctx).store()
    dst = open_store(target)
    try:
        report = copy_store(src, dst).as_dict()
    finally:
        dst.close()
        if source:
            src.close()
    emit(report, output, lambda r: console.print(table(
        "Copy (verified)", ["", ""],
        [(k, r[k]) for k in ("source", "target", "documents", "records", "log_entries",
                             "target_digest")]), highlight=False))


# --- operations (#17): retention --------------------------------------------------------
@app.command("prune")
def prune(ctx: typer.Context,
          superseded_before: str = typer.Option(
              ..., "--superseded-before", metavar="DATE",
              help="remove superseded SBOMs ingested before this date, and workloads that "
              "ended before it (YYYY-MM-DD or ISO)"),
          archive: Path | None = typer.Option(
              None, "--archive", help="write the removed documents to this archive first"),
          dry_run: bool = typer.Option(False, "--dry-run", help="only list what would go"),
          output: OutputFormat = OUTPUT_OPTION) -> None:
    """Remove superseded SBOMs (another SBOM of the same artifact is current) and the facts
    of workloads that ended, and report the space reclaimed."""
    from ..ops.retention import prune as prune_store
    from ..telemetry import events
    from ..telemetry.logging import get_logger

    try:
        before = datetime.fromisoformat(superseded_before)
    except ValueError as exc:
        raise UsageError(f"not a date: {superseded_before!r}",
                         where="--superseded-before", hint="e.g. 2026-01-31") from exc
    if before.tzinfo is None:
        before = before.replace(tzinfo=UTC)
    report = prune_store(state(ctx).store(), before, archive=archive, dry_run=dry_run,
                         clock=lambda: datetime.now(UTC)).as_dict()
    if not dry_run:
        get_logger().info(events.STORE_PRUNED, documents=len(report["documents"]),
                          workloads=len(report["workloads"]),
                          reclaimed_bytes=report["reclaimed_bytes"], removed=report["removed"])
    emit(report, output, lambda r: console.print(
        f"{'would remove' if dry_run else 'removed'} {len(r['documents'])} superseded SBOMs "
        f"and {len(r['workloads'])} ended workloads; reclaimed "
        f"{r['reclaimed_bytes'] if r['reclaimed_bytes'] is not None else 'n/a'} bytes "
        f"({r['removed'].get('nodes', 0)} nodes, {r['removed'].get('edges', 0)} edges)",
        highlight=False))


@app.command("size")
def size(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Bytes the store occupies (SQLite: database and WAL; Neo4j: see the server)."""
    store = state(ctx).store()
    data = {"store": display_url(store), "bytes": store.size_bytes()}
    emit(data, output, lambda d: console.print(f"{d['store']}: {d['bytes']} bytes",
                                               highlight=False))
