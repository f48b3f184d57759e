"""Option kinds shared by commands."""

from __future__ import annotations

from typing import Any

import typer

DAY = 86_400.0


def seconds_option(default: float | None, flag: str, *, minimum: float,
                   maximum: float = 7 * DAY, help: str) -> Any:
    """A duration in seconds, bounded both ways (click refuses nan and, with a bound,
    inf; an unbounded one would overflow the clock arithmetic it feeds)."""
    return typer.Option(default, flag, min=minimum, max=maximum, help=help)
