"""`provenance-linker integrity verify`: is the stored provenance data what the system
wrote? (rows, table seals and log chains; see ops/integrity.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from ..ingest.gcpause import gc_paused
from ..ops import integrity, notify
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit

app = typer.Typer(help="Detect provenance data added, edited or deleted outside the system.",
                  no_args_is_help=True)


@app.command("verify")
def verify(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Recompute every row's seal, each table's sealed count and sum, and every log chain;
    exit 1 with the first divergence (table, label, key) if anything was changed."""
    store = state(ctx).store()
    with gc_paused():  # millions of rows read once: see ingest/gcpause.py
        report = integrity.verify(store, clock=lambda: datetime.now(UTC))
    notify.notify_integrity(store, report, clock=lambda: datetime.now(UTC))
    data = report.as_dict()

    def render(d: dict[str, object]) -> None:
        if report.divergence is None:
            rows = ", ".join(f"{t} {n}" for t, n in report.rows.items())
            heads = ", ".join(f"{s} #{h['seq']} {h['hash'][:16]}"
                              for s, h in sorted(report.log_heads.items()))
            console.print(f"store intact ({rows}); log heads: {heads or 'none'}",
                          highlight=False)
        else:
            v = report.divergence
            console.print(f"[bold red]integrity violation[/] in {v.table} "
                          f"(label {v.label}, key {v.key}): {v.problem}", highlight=False)

    emit(data, output, render)
    if not report.ok:
        raise typer.Exit(1)
