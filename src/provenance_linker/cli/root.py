"""The typer app: global options and the lazily loaded command groups (`cli/lazy.py`)."""

from __future__ import annotations

import typer

from .. import __version__
from .commands import APP_HELP, DB_ENVVAR, DB_HELP, DEBUG_HELP, VERSION_HELP
from .lazy import LazyGroup

app = typer.Typer(
    name="provenance-linker",
    help=APP_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=LazyGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"provenance-linker {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", envvar=DB_ENVVAR, help=DB_HELP),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help=VERSION_HELP),
) -> None:
    from ..config import Settings
    from ..telemetry import events
    from ..telemetry import logging as tlog
    from .context import AppState

    settings = Settings.from_env(db)
    tlog.configure(events.COMPONENT_CLI, level="DEBUG" if debug else settings.log_level,
                   slow_query_seconds=settings.slow_query_seconds)
    ctx.obj = AppState(settings=settings, debug=debug)
    ctx.call_on_close(ctx.obj.close)
