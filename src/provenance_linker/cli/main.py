"""The `provenance-linker` command: global options, command groups, one error handler."""

from __future__ import annotations

import sqlite3
import sys
from typing import Any

import typer

from .. import __version__
from ..config import Settings
from ..errors import ProvenanceError
from ..store.failures import is_storage_failure, storage_error
from ..telemetry import events
from ..telemetry import logging as tlog
from . import (  # noqa: F401
    audit_cmd,
    auth_cmd,
    backup_cmd,
    bypass_cmd,
    ingest,
    ingest_evidence,
    ingest_image,
    integrity_cmd,  # operations (#17)
    keys,
    notify_cmd,
    policy_cmd,
    query,
    query_unsigned,
    query_vulns,
    runtime_cmd,
    serve,
    store_cmd,
    throttle_cmd,
    tokens_cmd,
    verify,
)
from . import demo as demo_cmd
from . import export_cmd as export_group  # explorer (#19)
from . import feeds as feeds_cmd  # advisory feeds (#12)
from . import query_portfolio as query_portfolio  # registers `query search/licenses`
from . import queue as queue_cmd
from .context import AppState
from .errors import internal_error, report
from .output import err_console

app = typer.Typer(
    name="provenance-linker",
    help="Link SBOMs, signatures, attestations, advisories and deployments into one "
    "provenance graph, and answer with evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(ingest.app, name="ingest")
app.add_typer(query.app, name="query")
app.add_typer(store_cmd.app, name="store")
app.command("demo")(demo_cmd.demo)
app.command("serve")(serve.serve)
app.command("worker")(queue_cmd.worker)
app.add_typer(queue_cmd.app, name="queue")
app.add_typer(tokens_cmd.app, name="tokens")
app.add_typer(auth_cmd.app, name="auth")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(throttle_cmd.app, name="throttle")
app.add_typer(keys.app, name="keys")
app.add_typer(bypass_cmd.app, name="bypass")
app.add_typer(policy_cmd.app, name="policy")
app.command("verify")(verify.verify)
# runtime: cluster watch and quarantine (docs/runtime.md)
app.command("watch-cluster")(runtime_cmd.watch_cluster)
app.add_typer(runtime_cmd.quarantine_app, name="quarantine")

app.add_typer(feeds_cmd.app, name="feeds")
app.add_typer(export_group.app, name="export")  # explorer (#19)
# operations (#17)
app.add_typer(integrity_cmd.app, name="integrity")
app.command("backup")(backup_cmd.backup)
app.command("restore")(backup_cmd.restore)
app.add_typer(notify_cmd.app, name="notify")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"provenance-linker {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", envvar="PROVENANCE_DB",
                                  help="graph store URL: sqlite:///path.db (default under the "
                                  "user data dir) or neo4j://host:7687"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="print the version and exit"),
) -> None:
    settings = Settings.from_env(db)
    tlog.configure(events.COMPONENT_CLI, level="DEBUG" if debug else settings.log_level,
                   slow_query_seconds=settings.slow_query_seconds)
    ctx.obj = AppState(settings=settings, debug=debug)
    ctx.call_on_close(ctx.obj.close)


def run(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit codes (1 user error, 2 usage)."""
    command = typer.main.get_command(app)
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    code: Any
    try:
        code = command.main(args=argv, prog_name="provenance-linker", standalone_mode=False)
    except ProvenanceError as exc:
        code = report(exc, debug)
    except (sqlite3.Error, OSError) as exc:
        if not is_storage_failure(exc):
            code = internal_error(exc, debug)
        else:
            code = report(storage_error(exc), debug)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        code = 130
    except Exception as exc:
        show = getattr(exc, "show", None)
        if show is None or not hasattr(exc, "exit_code"):  # not a usage error: a bug
            code = internal_error(exc, debug)
        else:
            show(file=sys.stderr)  # usage errors from the command-line parser
            code = int(exc.exit_code)
    exit_code = code if isinstance(code, int) else 0
    if argv is None:
        sys.exit(exit_code)
    return exit_code


if __name__ == "__main__":
    run()
