"""`query search TEXT` and `query licenses`: portfolio questions, registered on `query`."""

from __future__ import annotations

from typing import Any

import typer

from ..queries.licenses import licenses_for_artifact, portfolio_licenses
from ..queries.search import MAX_LIMIT, MAX_OFFSET, search
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table
from .query import app


def _names(artifacts: list[dict[str, Any]]) -> str:
    return ", ".join((a["names"] or [a["digest"]])[0] for a in artifacts)


def _render_search(data: dict[str, Any]) -> None:
    console.print(f"[bold]{data['query']}[/] matched as: "
                  f"{', '.join(data['matched']) or 'nothing'}", highlight=False)
    for v in data["advisories"]:
        console.print(f"advisory {v['id']} ({v['severity'] or 'unrated'}): {v['summary']}  "
                      f"→ provenance-linker query blast-radius {v['id']}", highlight=False)
    if data["artifacts"]:
        console.print(table("Artifacts", ["digest", "names"],
                            [[a["digest"], ", ".join(a["names"])] for a in data["artifacts"]]))
    if data["packages"]:
        shown = data["offset"] + len(data["packages"])
        console.print(table(
            f"Packages {data['offset'] + 1}–{shown} of {data['total_packages']}",
            ["purl", "license", "in artifacts"],
            [[p["purl"], p["license"] or "", _names(p["artifacts"]) or "(no current SBOM)"]
             for p in data["packages"]],
            caption=None if shown >= data["total_packages"] else
            f"more: --offset {shown}"))


@app.command("search")
def search_command(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="purl (with or without version, or a prefix "
                               "ending in *), sha256 digest, image name, advisory id or "
                               "alias, license:ID or a package name"),
    limit: int = typer.Option(50, "--limit", min=1, max=MAX_LIMIT, help="packages per page"),
    offset: int = typer.Option(0, "--offset", min=0, max=MAX_OFFSET,
                               help="skip this many packages"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Find packages, images and advisories across every current SBOM."""
    emit(search(state(ctx).store(), text, limit=limit, offset=offset), output, _render_search)


def _render_licenses(data: dict[str, Any]) -> None:
    if "artifact" in data:
        art = data["artifact"]
        console.print(f"[bold]Artifact[/] {art['digest']} {', '.join(art['names'])}",
                      highlight=False)
        console.print(table("Licenses", ["license", "packages"],
                            [[r["license"], r["packages"]] for r in data["licenses"]]))
        odd = [p for p in data["packages"] if p["error"] or p["unknown"]]
        if odd:
            console.print(table("Not on the SPDX list or not SPDX expressions",
                                ["package", "stated", "problem"],
                                [[p["purl"], "; ".join(p["stated"]),
                                  p["error"] or "unknown: " + ", ".join(p["unknown"])]
                                 for p in odd]))
        return
    console.print(table(f"Licenses across {data['artifacts']} artifacts, "
                        f"{data['packages']} packages", ["license", "packages", "artifacts",
                                                         "on SPDX list"],
                        [[r["license"], r["packages"], r["artifacts"],
                          "" if r["license"].startswith("(") else
                          ("no" if r["unknown"] else "yes")] for r in data["licenses"]]))
    if data["unparseable"]:
        console.print(f"{len(data['unparseable'])} packages state a license that is not an "
                      "SPDX expression (see --output json)", highlight=False)


@app.command("licenses")
def licenses_command(
    ctx: typer.Context,
    artifact: str | None = typer.Option(None, "--artifact", "-a",
                                        help="one artifact (default: the whole portfolio)"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Licenses (SPDX expressions, parsed) of one artifact's packages or the portfolio's."""
    store = state(ctx).store()
    data = licenses_for_artifact(store, artifact) if artifact else portfolio_licenses(store)
    emit(data, output, _render_licenses)
