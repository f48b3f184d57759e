"""Output: `--output json` (stable, sorted keys, documented in docs/json-output.md) or
rich tables (the default)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


OUTPUT_OPTION = typer.Option(OutputFormat.TABLE, "--output", "-o",
                             help="table (default) or json")


def emit(data: Any, output: OutputFormat, render: Callable[[Any], None]) -> None:
    if output == OutputFormat.JSON:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
                                      | orjson.OPT_NON_STR_KEYS).decode() + "\n")
    else:
        render(data)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
          *, caption: str | None = None) -> Table:
    t = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    return t


# --- reports (#19): `--output sarif|csv` on vulns, blast-radius and verify -------------

class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"


REPORT_OUTPUT_OPTION = typer.Option(ReportFormat.TABLE, "--output", "-o",
                                    help="table (default), json, sarif (SARIF 2.1.0) or csv")


def emit_report(data: Any, output: ReportFormat, render: Callable[[Any], None], *,
                sarif: Callable[[Any], dict[str, Any]], csv: Callable[[Any], str]) -> None:
    if output == ReportFormat.SARIF:
        sys.stdout.write(orjson.dumps(sarif(data), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output == ReportFormat.CSV:
        sys.stdout.write(csv(data))
    else:
        emit(data, OutputFormat(output.value), render)
