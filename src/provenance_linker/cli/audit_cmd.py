"""`provenance-linker audit list|verify`: the hash-chained audit trail."""

from __future__ import annotations

from dataclasses import asdict

import typer

from ..access import audit
from ..model import MAX_SEQ
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="The audit trail: who changed provenance data, and a tamper check.",
                  no_args_is_help=True)


@app.command("list")
def list_entries(ctx: typer.Context, after: int = typer.Option(0, "--after", min=0, max=MAX_SEQ),
                 limit: int = typer.Option(100, "--limit", min=1, max=MAX_SEQ),
                 output: OutputFormat = OUTPUT_OPTION) -> None:
    """Audit entries in order (who, from where, what, when, outcome)."""
    entries = state(ctx).store().read_log(audit.AUDIT_STREAM, after, limit)
    data = {"entries": [{"seq": e.seq, "at": e.at, "hash": e.hash, **dict(e.payload)}
                        for e in entries]}
    emit(data, output, lambda d: console.print(table(
        "Audit trail", ["seq", "at", "actor", "source_ip", "action", "target", "outcome"],
        [[e["seq"], e["at"], e.get("actor"), e.get("source_ip"), e.get("action"),
          e.get("target"), e.get("outcome")] for e in d["entries"]])))


@app.command("verify")
def verify(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Re-compute the hash chain; exit 1 if any entry was edited or deleted."""
    report = asdict(audit.verify(state(ctx).store()))
    emit(report, output, lambda d: console.print(
        f"audit trail intact ({d['entries']} entries)" if d["ok"] else
        f"[bold red]audit trail broken[/] at entry {d['first_bad_seq']}: {d['problem']}"))
    if not report["ok"]:
        raise typer.Exit(1)
