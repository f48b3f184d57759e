"""The top-level command group that imports a command's modules only when that command is
looked up (`cli/commands.py` lists them): `ingest sbom` does not pay for the API server,
Kubernetes or Sigstore imports."""

from __future__ import annotations

from difflib import get_close_matches
from importlib import import_module

import typer
from typer import _click  # typer's own copy of click: the type of its commands
from typer.core import DEFAULT_MARKUP_MODE, TyperGroup
from typer.models import CommandInfo

from .commands import BY_NAME, COMMANDS, CommandEntry


def load(entry: CommandEntry) -> _click.Command:
    """The click command for one table entry, its modules imported in order."""
    package = __package__ or "provenance_linker.cli"
    modules = [import_module(f"{package}.{name}") for name in entry.modules]
    target = getattr(modules[0], entry.attr)
    command: _click.Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        command = typer.main.get_command_from_info(
            CommandInfo(name=entry.name, callback=target), pretty_exceptions_short=True,
            rich_markup_mode=DEFAULT_MARKUP_MODE)
    command.name = entry.name
    return command


class LazyGroup(TyperGroup):
    """Commands from the table, loaded on first lookup; commands added to the app
    directly work as in any typer group."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        names = [entry.name for entry in COMMANDS]
        return names + [name for name in super().list_commands(ctx) if name not in BY_NAME]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in BY_NAME:
            command = load(BY_NAME[cmd_name])
            self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: _click.Context, args: list[str]
                        ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as error:
            # typer suggests among the commands loaded so far; offer the whole table
            if self.suggest_commands and args and "Did you mean" not in error.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    error.message = (f"{error.message.rstrip('.')}. Did you mean "
                                     f"{', '.join(repr(m) for m in matches)}?")
            raise
