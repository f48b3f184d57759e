"""Every number a command takes is bounded both ways: an unbounded one reaches SQLite
(int64), timedelta or JSON encoding and overflows there as an internal error."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from typer import _click

from provenance_linker.cli import lazy
from provenance_linker.cli.commands import COMMANDS
from provenance_linker.cli.main import run


def _commands() -> Iterator[tuple[str, _click.Command]]:
    def walk(prefix: str, command: _click.Command) -> Iterator[tuple[str, _click.Command]]:
        yield prefix, command
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():  # a group
                yield from walk(f"{prefix} {name}", sub)

    for entry in COMMANDS:
        yield from walk(entry.name, lazy.load(entry))


def _is_number(annotation: object) -> bool:
    if annotation in (int, float):
        return True
    return any(arg in (int, float) for arg in typing.get_args(annotation))


def _number_options() -> list[tuple[str, Any]]:
    # typer's own parameter class carries the annotation it was declared with
    params: list[tuple[str, Any]] = [(f"{path} {param.opts[0]}", param)
                                     for path, command in _commands() for param in command.params]
    return [(name, param) for name, param in params
            if _is_number(param.type_descriptor.annotation)]


def test_every_number_option_has_both_bounds() -> None:
    options = _number_options()
    assert len(options) >= 10  # the walk saw the commands
    unbounded = [name for name, param in options if param.min is None or param.max is None]
    assert unbounded == []


HUGE = "9" * 30


@pytest.mark.parametrize("args", [
    ["audit", "list", "--after", HUGE], ["audit", "list", "--limit", HUGE],
    ["queue", "list", "--limit", HUGE], ["query", "search", "x", "--offset", HUGE],
    ["keys", "status", "--within-days", HUGE], ["queue", "purge", "--stuck", "--older-than", "inf"],
    ["queue", "purge", "--stuck", "--older-than", "nan"], ["throttle", "enable", "--burst", HUGE],
])
def test_an_out_of_range_number_is_a_usage_error(args: list[str], sqlite_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", sqlite_url, *args]) == 2
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["nan", "inf", "1e400/s", "0", "-5/m"])
def test_a_rate_that_limits_nothing_is_refused(rate: str, sqlite_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", sqlite_url, "throttle", "enable", "--rate", rate]) == 2
    assert "rate must" in capsys.readouterr().err
