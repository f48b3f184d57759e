"""`provenance-linker store …`: schema migrations and statistics."""

from __future__ import annotations

import typer

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
