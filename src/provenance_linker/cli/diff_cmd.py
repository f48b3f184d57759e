"""`provenance-linker query diff`: packages added, removed and changed between two
artifacts' current SBOMs (registered on the `query` group in cli/query.py)."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import UsageError
from ..queries.diff import diff
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table


def diff_command(
    ctx: typer.Context,
    artifacts: list[str] = typer.Option(..., "--artifact", "-a",
                                        help="twice: the older, then the newer artifact "
                                             "(NAME@sha256:HEX, sha256:HEX or NAME:TAG)"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Packages added, removed and changed (same name, other version) from A to B."""
    if len(artifacts) != 2:
        raise UsageError(f"give --artifact exactly twice (got {len(artifacts)})",
                         hint="provenance-linker query diff --artifact A --artifact B")
    emit(diff(state(ctx).store(), artifacts[0], artifacts[1]), output, _render)


def _label(side: dict[str, Any]) -> str:
    return f"{side['name'] or side['artifact']} ({side['packages']} packages)"


def _render(data: dict[str, Any]) -> None:
    console.print(f"[bold]{_label(data['from'])}[/] → [bold]{_label(data['to'])}[/]",
                  highlight=False)
    rows = [["+", p["ecosystem"], p["name"], "", p["version"] or ""] for p in data["added"]]
    rows += [["-", p["ecosystem"], p["name"], p["version"] or "", ""] for p in data["removed"]]
    rows += [["~", c["ecosystem"], c["name"], ", ".join(c["from"]), ", ".join(c["to"])]
             for c in data["changed"]]
    if rows:
        console.print(table("Package changes", ["", "ecosystem", "name", "from", "to"], rows))
    console.print(f"{len(data['added'])} added, {len(data['removed'])} removed, "
                  f"{len(data['changed'])} changed, {data['unchanged']} unchanged",
                  highlight=False)
