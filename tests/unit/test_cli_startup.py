"""Start-up: the CLI entry point, `--version`, `--help` and `ingest sbom` import only what
they use (each checked in a fresh interpreter, by `sys.modules`; not timed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from provenance_linker.cli import commands
from provenance_linker.cli.lazy import load
from provenance_linker.demo.samples import cyclonedx_sbom

# Heavy packages no SBOM ingest or plain `--version` needs.
NEVER_AT_START = ("sigstore", "neo4j", "fastapi", "uvicorn", "kubernetes", "httpx", "redis",
                  "starlette", "cryptography")
NOT_FOR_VERSION = (*NEVER_AT_START, "typer", "click", "rich", "pydantic", "structlog",
                   "univers", "orjson")


def _imported_after(code: str, heavy: tuple[str, ...]) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print('imported:' + ','.join(sorted({{m.split('.')[0] for m in sys.modules}} "
             f"& {set(heavy)!r})))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("imported:"), result.stdout
    return [name for name in last.removeprefix("imported:").split(",") if name]


def test_importing_the_entry_point_imports_no_command() -> None:
    assert _imported_after("import provenance_linker.cli.main", NOT_FOR_VERSION) == []


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_nothing_heavy(args: list[str]) -> None:
    code = f"from provenance_linker.cli.main import run\nrun({args!r})"
    assert _imported_after(code, NOT_FOR_VERSION) == []


def test_ingest_sbom_imports_no_server_cluster_or_signature_code(tmp_path: Path) -> None:
    sbom = tmp_path / "app.cdx.json"
    sbom.write_bytes(orjson.dumps(cyclonedx_sbom("registry.test/app:1.0", 20).document))
    code = ("from provenance_linker.cli.main import run\n"
            f"assert run(['--db', 'sqlite:///{tmp_path}/g.db', 'ingest', 'sbom', "
            f"'{sbom}', '-o', 'json']) == 0")
    assert _imported_after(code, NEVER_AT_START) == []


def test_version_and_help_answer_as_the_app_does(capsys: pytest.CaptureFixture[str]) -> None:
    from provenance_linker import __version__
    from provenance_linker.cli.main import run

    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"provenance-linker {__version__}\n"
    assert run(["--db", "sqlite:///:memory:", "--version"]) == 0  # through typer
    assert capsys.readouterr().out == f"provenance-linker {__version__}\n"
    assert run(["--help"]) == 0
    fast = capsys.readouterr().out
    assert run([]) == 2  # no arguments: the help, as a usage error
    assert capsys.readouterr().out == fast
    for entry in commands.COMMANDS:
        assert f"  {entry.name} " in fast
    assert run(["--db", "sqlite:///:memory:", "ingst"]) == 2  # a command not yet loaded
    assert "Did you mean 'ingest'?" in capsys.readouterr().err


def test_command_table_matches_the_commands() -> None:
    """Every top-level command is in the table, named and summarised as it says."""
    import typer

    from provenance_linker.cli.main import app

    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    names = group.list_commands(ctx)
    assert names[: len(commands.COMMANDS)] == [e.name for e in commands.COMMANDS]
    for entry in commands.COMMANDS:
        command = load(entry)
        assert command.name == entry.name
        help_text = " ".join((command.help or "").split())
        assert help_text.startswith(entry.summary), (entry.name, help_text)
        assert group.get_command(ctx, entry.name) is not None
