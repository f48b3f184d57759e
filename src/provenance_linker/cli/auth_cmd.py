"""`provenance-linker auth block|unblock|blocks`: block a source IP/CIDR or a user."""

from __future__ import annotations

import typer

from ..access import audit
from ..access import blocks as block_list
from ..errors import NotFound
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Block or unblock a source IP/CIDR or a user (token name).",
                  no_args_is_help=True)
USER = typer.Option(None, "--user", help="token name to block")
IP = typer.Option(None, "--ip", help="IP address or CIDR to block")


@app.command("block")
def block(ctx: typer.Context, user: str | None = USER, ip: str | None = IP,
          reason: str | None = typer.Option(None, "--reason"),
          output: OutputFormat = OUTPUT_OPTION) -> None:
    """Refuse every request from the user or address (all replicas, within 1 s)."""
    store = state(ctx).store()
    record = block_list.block(store, block_list.block_key(user=user, ip=ip), reason)
    audit.record(store, action="auth.block", actor="cli", target=record["key"], reason=reason)
    emit(record, output, lambda d: console.print(f"blocked {d['key']}"))


@app.command("unblock")
def unblock(ctx: typer.Context, user: str | None = USER, ip: str | None = IP,
            output: OutputFormat = OUTPUT_OPTION) -> None:
    """Lift a block."""
    store = state(ctx).store()
    key = block_list.block_key(user=user, ip=ip)
    if not block_list.unblock(store, key):
        raise NotFound(f"{key} is not blocked", hint="see `provenance-linker auth blocks`")
    audit.record(store, action="auth.unblock", actor="cli", target=key)
    emit({"key": key, "blocked": False}, output, lambda d: console.print(f"unblocked {key}"))


@app.command("blocks")
def blocks(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Current blocks."""
    data = {"blocks": block_list.list_blocks(state(ctx).store())}
    emit(data, output, lambda d: console.print(table(
        "Blocks", ["key", "since", "reason"],
        [[b["key"], b["created"], b.get("reason") or ""] for b in d["blocks"]])))
