"""`provenance-linker tokens …`: API tokens (shown once, stored hashed)."""

from __future__ import annotations

import typer

from ..access import audit, tokens
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="API tokens: create (printed once), list, revoke.",
                  no_args_is_help=True)
CLI_ACTOR = "cli"


@app.command("create")
def create(ctx: typer.Context,
           role: tokens.Role = typer.Option(..., "--role", help="reader, writer or admin"),
           name: str = typer.Option(..., "--name", help="who or what uses the token"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Create a token. The token itself is printed only now."""
    store = state(ctx).store()
    token, record = tokens.create(store, role, name)
    audit.record(store, action="tokens.create", actor=CLI_ACTOR, target=record["id"],
                 role=str(role), name=name)
    emit({**record, "token": token}, output, lambda d: console.print(
        f"token {d['id']} ({d['role']}, {d['name']}) — shown once:\n{d['token']}",
        highlight=False, soft_wrap=True))


@app.command("list")
def list_tokens(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Tokens (never the secret)."""
    data = {"tokens": tokens.list_tokens(state(ctx).store())}
    emit(data, output, lambda d: console.print(table(
        "API tokens", ["id", "name", "role", "created", "revoked"],
        [[t["id"], t["name"], t["role"], t["created"], t["revoked"] or ""]
         for t in d["tokens"]])))


@app.command("revoke")
def revoke(ctx: typer.Context, token_id: str = typer.Argument(..., help="token id"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Revoke a token; every replica refuses it from the next request."""
    store = state(ctx).store()
    record = tokens.revoke(store, token_id)
    audit.record(store, action="tokens.revoke", actor=CLI_ACTOR, target=token_id)
    emit(record, output, lambda d: console.print(f"token {d['id']} revoked"))
