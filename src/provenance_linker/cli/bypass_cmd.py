"""`provenance-linker bypass enable|disable|status`: the emergency verification bypass.
The CLI operator holds the admin role (the service checks roles itself)."""

from __future__ import annotations

import getpass
from typing import Any

import typer

from ..trust.bypass import Bypass
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit

app = typer.Typer(help="Emergency signature-verification bypass (time-boxed, audited).",
                  no_args_is_help=True)
CLI_ROLES = {"admin"}


def _render(data: dict[str, Any]) -> None:
    if data["active"]:
        console.print(f"[yellow]bypass ACTIVE[/] until {data['expires_at']} "
                      f"(by {data['actor']}: {data['reason']})", highlight=False)
    else:
        console.print("bypass inactive: verification failures fail", highlight=False)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command("enable")
def enable(ctx: typer.Context, duration: str = typer.Option(..., "--duration",
                                                             help="e.g. 30m (max 24h)"),
           reason: str = typer.Option(..., "--reason"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Let failing verifications pass (reported as `bypassed`) until it expires."""
    status = Bypass(state(ctx).store()).enable(duration=duration, reason=reason,
                                               actor=_actor(), roles=CLI_ROLES)
    emit(status.as_dict(), output, _render)


@app.command("disable")
def disable(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    status = Bypass(state(ctx).store()).disable(actor=_actor(), roles=CLI_ROLES)
    emit(status.as_dict(), output, _render)


@app.command("status")
def status(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    emit(Bypass(state(ctx).store()).status().as_dict(), output, _render)
