"""`provenance-linker query …`: questions over the graph."""

from __future__ import annotations

from typing import Any

import typer

from ..queries.trace import trace
from .context import state
from .diff_cmd import diff_command
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Ask the graph: trace, diff, vulnerabilities, blast radius.",
                  no_args_is_help=True)
app.command("diff")(diff_command)


@app.command("trace")
def trace_command(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", "-a",
                                 help="NAME@sha256:HEX, sha256:HEX or NAME:TAG"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Everything known about an artifact: SBOMs, packages, dependencies, evidence."""
    emit(trace(state(ctx).store(), artifact), output, _render_trace)


def _render_trace(data: dict[str, Any]) -> None:
    art = data["artifact"]
    console.print(f"[bold]Artifact[/] {art['digest']}", highlight=False)
    if art["names"]:
        console.print("  names: " + ", ".join(art["names"]), highlight=False)
    if data["sboms"]:
        console.print(table("SBOMs", ["digest", "format", "created", "packages", "status"],
                            [[s["digest"][:19] + "…", f"{s['format']} {s['spec_version']}",
                              s["created"], s["packages"],
                              "current" if s["current"] else "superseded"]
                             for s in data["sboms"]]))
    else:
        console.print("  no SBOM describes this artifact")
    for section in ("signatures", "attestations", "builds", "deployments", "included_in"):
        if data.get(section):
            console.print(table(section.replace("_", " ").title(), ["key", "document"],
                                [[x["key"], (x.get("document") or "")[:19]]
                                 for x in data[section]]))
    packages = data["packages"]
    if packages:
        direct = sum(1 for p in packages if p["direct"])
        shown = sorted(packages, key=lambda p: (not p["direct"], p["purl"]))[:40]
        console.print(table(
            f"Packages ({len(packages)}, {direct} direct)",
            ["purl", "ecosystem", "direct"],
            [[p["purl"], p["ecosystem"], "yes" if p["direct"] else ""] for p in shown],
            caption=None if len(packages) <= 40 else
            f"{len(packages) - 40} more (use --output json for all)"))
    console.print(f"dependency edges: {len(data['dependencies'])}; "
                  f"linked artifacts inside: {len(data['contains_artifacts'])}", highlight=False)
