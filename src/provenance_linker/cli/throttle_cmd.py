"""`provenance-linker throttle enable|disable|status`: request throttling at runtime."""

from __future__ import annotations

from dataclasses import asdict

import typer

from ..access.throttle import MAX_BURST, ThrottleSettings, change_throttle, parse_rate
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit

app = typer.Typer(help="Per-token and per-IP request throttling (all replicas, within 1 s).",
                  no_args_is_help=True)


def _show(d: dict[str, object]) -> None:
    console.print(f"throttling {'on' if d['enabled'] else 'off'}: {d['rate']:g}/s per token "
                  f"and per IP, burst {d['burst']}", highlight=False)


@app.command("enable")
def enable(ctx: typer.Context,
           rate: str | None = typer.Option(None, "--rate", help="e.g. 50/s or 600/m"),
           burst: int | None = typer.Option(None, "--burst", min=1, max=MAX_BURST),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Turn throttling on (429 with Retry-After above the rate)."""
    setting = change_throttle(state(ctx).store(), actor="cli", enabled=True,
                              rate=parse_rate(rate) if rate else None, burst=burst or None)
    emit(asdict(setting), output, _show)


@app.command("disable")
def disable(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Turn throttling off."""
    setting = change_throttle(state(ctx).store(), actor="cli", enabled=False)
    emit(asdict(setting), output, _show)


@app.command("status")
def status(ctx: typer.Context,
           rate: str | None = typer.Option(None, "--rate", help="change the rate too"),
           burst: int | None = typer.Option(None, "--burst", min=1, max=MAX_BURST),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Show (and optionally adjust) the throttle setting."""
    store = state(ctx).store()
    if rate or burst:
        setting = change_throttle(store, actor="cli", rate=parse_rate(rate) if rate else None,
                                  burst=burst or None)
    else:
        setting = ThrottleSettings.load(store)
    emit(asdict(setting), output, _show)
