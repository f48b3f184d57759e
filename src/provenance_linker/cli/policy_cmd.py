"""`provenance-linker policy set|show|list|delete`: the verification policy of each
environment, kept in the store (the CLI operator holds the admin role)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer

from ..errors import ConfigError
from ..trust import environment_policies as policies
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Verification policies per environment (used by `verify "
                  "--environment ENV`).", no_args_is_help=True)
CLI_ROLES = {"admin"}


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _render_one(data: dict[str, Any]) -> None:
    console.print(f"[bold]{data['environment']}[/] {data['digest']} (from {data['source']}, "
                  f"set by {data['set_by']} at {data['set_at']})", highlight=False)
    if "text" in data:
        console.print(data["text"], highlight=False, markup=False)


@app.command("set")
def set_policy(ctx: typer.Context, environment: str = typer.Argument(..., help="e.g. production"),
               file: Path = typer.Argument(..., help="YAML policy (docs/trust.md#policy)"),
               output: OutputFormat = OUTPUT_OPTION) -> None:
    """Validate FILE and make it ENVIRONMENT's policy."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read policy: {exc}", where=str(file)) from exc
    emit(policies.set_policy(state(ctx).store(), environment, text, source=str(file),
                             actor=_actor(), roles=CLI_ROLES), output, _render_one)


@app.command("show")
def show(ctx: typer.Context, environment: str = typer.Argument(...),
         output: OutputFormat = OUTPUT_OPTION) -> None:
    """The policy ENVIRONMENT verifies against."""
    emit(policies.get_policy(state(ctx).store(), environment), output, _render_one)


@app.command("list")
def list_policies(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Environments with a policy of their own (the others use the default policy)."""
    rows = policies.list_policies(state(ctx).store())
    emit({"policies": rows}, output, lambda data: console.print(table(
        "environment policies", ["environment", "digest", "source", "set by", "set at"],
        [[r["environment"], r["digest"][:19] + "…", r["source"], r["set_by"], r["set_at"]]
         for r in data["policies"]])))


@app.command("delete")
def delete(ctx: typer.Context, environment: str = typer.Argument(...),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Remove ENVIRONMENT's policy: verification there uses the default policy again."""
    policies.delete_policy(state(ctx).store(), environment, actor=_actor(), roles=CLI_ROLES)
    emit({"environment": environment, "deleted": True}, output,
         lambda data: console.print(f"policy for {data['environment']} removed",
                                    highlight=False))
