"""`provenance-linker export …`: documents to hand on (VEX for scanners, an incident
report for people)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer

from ..errors import ConfigError
from ..queries.reports_incident import incident, incident_html
from ..queries.reports_vex import FORMATS, export_vex
from .context import state
from .output import err_console

app = typer.Typer(help="Export VEX statements and incident reports.", no_args_is_help=True)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", where=str(out)) from exc
    err_console.print(f"wrote {out}", highlight=False)


@app.command("vex")
def vex_command(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", "-a",
                                 help="NAME@sha256:HEX, sha256:HEX or NAME:TAG"),
    fmt: str = typer.Option("openvex", "--format", "-f", help=" or ".join(FORMATS)),
    out: Path | None = typer.Option(None, "--out", help="write here (default: stdout)"),
) -> None:
    """The VEX statements that apply to an artifact, as OpenVEX or CycloneDX VEX."""
    doc = export_vex(state(ctx).store(), artifact, fmt, _now())
    _write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n", out)


@app.command("incident")
def incident_command(
    ctx: typer.Context,
    vuln_id: str = typer.Argument(..., help="advisory id or any alias"),
    environment: str | None = typer.Option(None, "--environment", "-e"),
    out: Path | None = typer.Option(None, "--out", help="HTML file (default: stdout)"),
) -> None:
    """A self-contained HTML incident report: blast radius, paths, owners, verdicts."""
    _write(incident_html(incident(state(ctx).store(), vuln_id, environment, _now())), out)
