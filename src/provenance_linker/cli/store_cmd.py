"""`provenance-linker store …`: schema migrations and statistics."""

from __future__ import annotations

import typer

from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Manage the graph store: migrate, stats.", no_args_is_help=True)


@app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Create or upgrade the schema (constraints and indexes)."""
    version = state(ctx).store().migrate()
    console.print(f"schema at version {version} ({state(ctx).settings.db_url})", highlight=False)


@app.command("stats")
def stats(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Node, edge and document counts."""
    counts = state(ctx).store().counts()
    emit(counts, output, lambda c: console.print(
        table("Graph", ["kind", "count"], sorted(c.items()))))
