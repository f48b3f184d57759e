"""The CLI's single error handler: `error: <what> (<where>)`, a hint, an exit code."""

from __future__ import annotations

import traceback

from rich.markup import escape

from ..errors import ProvenanceError
from .output import err_console

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE


def internal_error(exc: BaseException, debug: bool) -> int:
    """A defect, not the user's input: one line, the traceback only with --debug."""
    if debug:
        err_console.print(escape(traceback.format_exc()))
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    err_console.print(f"[bold red]error:[/] internal error: {escape(type(exc).__name__)}"
                      f"{': ' + escape(detail) if detail else ''} (use --debug for the "
                      "traceback)", highlight=False)
    return INTERNAL_ERROR_EXIT


def report(exc: ProvenanceError, debug: bool) -> int:
    if debug:
        err_console.print(escape(traceback.format_exc()))
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    if exc.hint:
        err_console.print(f"[dim]hint:[/] {escape(exc.hint)}", highlight=False)
    return exc.exit_code
