"""`query unsigned --environment ENV`: registered on the `query` group."""

from __future__ import annotations

from typing import Any

import typer

from ..queries.unsigned import unsigned_in_environment
from ..runtime.history import parse_timestamp
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table
from .query import app


@app.command("unsigned")
def unsigned_command(
    ctx: typer.Context,
    environment: str = typer.Option("production", "--environment", "-e"),
    at: str | None = typer.Option(None, "--at", help="what ran at this time (ISO 8601), "
                                  "judged by today's trust store"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Artifacts running in ENV with no valid signature or verified attestation."""
    rows = unsigned_in_environment(state(ctx).store(), environment,
                                   at=parse_timestamp(at) if at else None)

    def render(data: list[dict[str, Any]]) -> None:
        console.print(table(f"Unsigned in {environment}",
                            ["artifact", "deployment", "namespace", "container"],
                            [[r["artifact_name"], r["deployment"], r["namespace"],
                              r["container"]] for r in data]))

    emit(rows, output, render)
