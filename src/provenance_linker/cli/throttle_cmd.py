"""`provenance-linker throttle enable|disable|status`: request throttling at runtime."""

from __future__ import annotations

from dataclasses import asdict, replace

import typer

from ..access import audit
from ..access.throttle import ThrottleSettings, parse_rate
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
           burst: int | None = typer.Option(None, "--burst", min=1),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Turn throttling on (429 with Retry-After above the rate)."""
    store = state(ctx).store()
    current = ThrottleSettings.load(store)
    setting = replace(current, enabled=True,
                      rate=parse_rate(rate) if rate else current.rate,
                      burst=burst or current.burst)
    setting.save(store)
    audit.record(store, action="throttle.enable", actor="cli", **asdict(setting))
    emit(asdict(setting), output, _show)


@app.command("disable")
def disable(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Turn throttling off."""
    store = state(ctx).store()
    setting = replace(ThrottleSettings.load(store), enabled=False)
    setting.save(store)
    audit.record(store, action="throttle.disable", actor="cli")
    emit(asdict(setting), output, _show)


@app.command("status")
def status(ctx: typer.Context,
           rate: str | None = typer.Option(None, "--rate", help="change the rate too"),
           burst: int | None = typer.Option(None, "--burst", min=1),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Show (and optionally adjust) the throttle setting."""
    store = state(ctx).store()
    setting = ThrottleSettings.load(store)
    if rate or burst:
        setting = replace(setting, rate=parse_rate(rate) if rate else setting.rate,
                          burst=burst or setting.burst)
        setting.save(store)
        audit.record(store, action="throttle.set", actor="cli", **asdict(setting))
    emit(asdict(setting), output, _show)
