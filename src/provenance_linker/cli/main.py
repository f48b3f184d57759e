"""The `provenance-linker` command: the entry point and its one error handler.

Start-up is part of every command's time (CI runs one per SBOM; probes wait for `serve`):
`--version` and the top-level `--help` are answered from `cli/commands.py` without
importing typer; the app (`cli/root.py`) imports a command's modules only when that
command runs (`cli/lazy.py`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .. import __version__
from .commands import top_level_help

if TYPE_CHECKING:
    import typer


def __getattr__(name: str) -> Any:
    if name == "app":  # built on first use: importing this module stays cheap
        return _app()
    raise AttributeError(name)


def _app() -> typer.Typer:
    from .root import app

    return app


def _answer_without_app(args: list[str]) -> int | None:
    """`--version`, `--help` and no arguments at all, before anything is imported."""
    if args == ["--version"]:
        sys.stdout.write(f"provenance-linker {__version__}\n")
        return 0
    if args in ([], ["--help"]):
        sys.stdout.write(top_level_help())
        return 0 if args else 2  # no arguments is a usage error that shows the help
    return None


def run(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit codes (1 user error, 2 usage)."""
    args = sys.argv[1:] if argv is None else list(argv)
    code: Any = _answer_without_app(args)
    if code is None:
        code = _run_app(argv, debug="--debug" in args)
    exit_code = code if isinstance(code, int) else 0
    if argv is None:
        sys.stdout.flush()
        sys.exit(exit_code)
    return exit_code


def _run_app(argv: list[str] | None, *, debug: bool) -> Any:
    import sqlite3

    import typer

    from ..errors import ProvenanceError
    from ..store.failures import is_storage_failure, storage_error
    from .errors import internal_error, report
    from .output import err_console

    command = typer.main.get_command(_app())
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
    return code


if __name__ == "__main__":
    run()
