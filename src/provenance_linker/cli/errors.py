"""The CLI's single error handler: `error: <what> (<where>)`, a hint, an exit code."""

from __future__ import annotations

import traceback

from rich.markup import escape

from ..errors import ProvenanceError
from .output import err_console


def report(exc: ProvenanceError, debug: bool) -> int:
    if debug:
        err_console.print(escape(traceback.format_exc()))
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
    if exc.hint:
        err_console.print(f"[dim]hint:[/] {escape(exc.hint)}", highlight=False)
    return exc.exit_code
