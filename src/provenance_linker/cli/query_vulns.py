"""`query blast-radius`, `query vulns`, `query malicious`: registered on the `query` group."""

from __future__ import annotations

from typing import Any

import typer

from ..queries.blast_radius import blast_radius
from ..queries.reports_csv import blast_radius_csv, vulns_csv
from ..queries.reports_sarif import blast_radius_sarif, vulns_sarif
from ..queries.vulns import malicious, vulns_for_artifact
from ..runtime.history import parse_timestamp
from .context import state
from .output import (
    OUTPUT_OPTION,
    REPORT_OUTPUT_OPTION,
    OutputFormat,
    ReportFormat,
    console,
    emit,
    emit_report,
    table,
)
from .query import app


def path_text(path: list[dict[str, str]]) -> str:
    return " → ".join(step["label"] for step in path)


def _vex_text(vex: dict[str, Any] | None) -> str:
    if not vex:
        return ""
    return f"{vex['status']}: {vex['justification'] or vex['statement'] or '(no reason)'}"


def render_blast_radius(data: dict[str, Any]) -> None:
    v = data["vulnerability"]
    flags = " [bold red]MALICIOUS[/]" if v["malicious"] else ""
    flags += " [yellow](withdrawn)[/]" if v["withdrawn"] else ""
    console.print(f"[bold]{v['id']}[/]{flags} {v['severity'] or 'unrated'}"
                  f"{' ' + str(v['cvss_score']) if v['cvss_score'] else ''} — {v['summary']}",
                  highlight=False)
    if v["aliases"]:
        console.print("  aliases: " + ", ".join(v["aliases"]), highlight=False)
    console.print(table("Affected packages", ["package", "fixed in", "advisory"],
                        [[p["purl"], ", ".join(p["fixed"]) or "no fix", p["advisory"]]
                         for p in data["packages"]]))
    console.print(table("Affected artifacts", ["artifact", "via", "fixed in", "VEX", "path"],
                        [[", ".join(a["names"]) or a["digest"], a["via"],
                          ", ".join(a["fixed"]) or "no fix", _vex_text(a["suppressed"]),
                          path_text(a["path"])] for a in data["artifacts"]]))
    console.print(table("Running workloads", ["deployment", "environment", "image", "VEX"],
                        [[d["key"], ", ".join(d["environments"]), d["image"],
                          _vex_text(d["suppressed"])] for d in data["deployments"]]))
    s = data["summary"]
    console.print(f"{s['packages']} packages, {s['artifacts']} artifacts "
                  f"({s['suppressed']} suppressed by VEX), {s['deployments']} deployments",
                  highlight=False)


@app.command("blast-radius")
def blast_radius_command(
    ctx: typer.Context,
    vuln_id: str = typer.Argument(..., help="advisory id or any alias (CVE, GHSA, PYSEC, MAL…)"),
    environment: str | None = typer.Option(None, "--environment", "-e",
                                           help="only workloads in this environment"),
    at: str | None = typer.Option(None, "--at", help="workloads that ran at this time "
                                  "(ISO 8601) instead of now"),
    output: ReportFormat = REPORT_OUTPUT_OPTION,
) -> None:
    """Every artifact and running workload an advisory reaches, with the dependency path."""
    when = parse_timestamp(at) if at else None
    emit_report(blast_radius(state(ctx).store(), vuln_id, environment, when), output,
                render_blast_radius, sarif=blast_radius_sarif, csv=blast_radius_csv)


def _render_vulns(data: dict[str, Any]) -> None:
    art = data["artifact"]
    console.print(f"[bold]Artifact[/] {art['digest']} {', '.join(art['names'])}",
                  highlight=False)
    rows = [[r["id"], r["severity"] or "unrated", "yes" if r["malicious"] else "",
             f"{r['package_name']} {r['version']}", ", ".join(r["fixed"]) or "no fix",
             ", ".join(r["aliases"])] for r in data["vulnerabilities"]]
    console.print(table("Vulnerabilities", ["id", "severity", "malicious", "package",
                                            "fixed in", "aliases"], rows))
    for r in data["vulnerabilities"]:
        if r.get("all_versions_claim"):
            console.print(f"[yellow]{r['id']}[/] on {r['package']}: {r['all_versions_claim']}",
                          highlight=False)
    if data["suppressed"]:
        console.print(table("Suppressed by VEX", ["id", "package", "VEX"],
                            [[r["id"], r["package"], _vex_text(r["suppressed"])]
                             for r in data["suppressed"]]))
    for eco, odd in data["unparseable_versions"].items():
        console.print(f"[yellow]{odd['count']} {eco} version(s) cannot be ordered[/] (no "
                      f"range can match them): {', '.join(odd['packages'])}", highlight=False)
    counts = ", ".join(f"{k} {v}" for k, v in data["counts"].items() if v)
    console.print(f"{len(data['vulnerabilities'])} findings in {data['packages']} packages"
                  f"{': ' + counts if counts else ''}", highlight=False)


@app.command("vulns")
def vulns_command(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", "-a",
                                 help="NAME@sha256:HEX, sha256:HEX or NAME:TAG"),
    min_severity: str | None = typer.Option(None, "--min-severity",
                                            help="none, low, medium, high or critical"),
    output: ReportFormat = REPORT_OUTPUT_OPTION,
) -> None:
    """Advisories affecting an artifact's packages (base images included)."""
    emit_report(vulns_for_artifact(state(ctx).store(), artifact, min_severity), output,
                _render_vulns, sarif=vulns_sarif, csv=vulns_csv)


def _render_malicious(data: dict[str, Any]) -> None:
    console.print(table("Malicious packages in the graph",
                        ["advisory", "ecosystem", "package", "version", "artifacts"],
                        [[r["advisory"], r["ecosystem"], r["name"], r["version"],
                          ", ".join((a["names"] or [a["digest"]])[0] for a in r["artifacts"])]
                         for r in data["findings"]]))
    claims = {r["advisory"]: r["all_versions_claim"] for r in data["findings"]
              if r["all_versions_claim"]}
    for advisory, claim in sorted(claims.items()):
        console.print(f"[yellow]{advisory}[/]: {claim}", highlight=False)
    if data["not_applied"]:
        console.print(table("Claimed by a catch-all range that was not applied",
                            ["advisory", "ecosystem", "package", "version", "listed versions"],
                            [[r["advisory"], r["ecosystem"], r["name"], r["version"],
                              ", ".join(r["listed_versions"])] for r in data["not_applied"]]))
        console.print(data["not_applied"][0]["reason"], highlight=False)
    console.print(f"{len(data['findings'])} detections from {data['records']} active "
                  "malicious-package records", highlight=False)


@app.command("malicious")
def malicious_command(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Packages in the graph that a malicious-package (MAL-) record names."""
    emit(malicious(state(ctx).store()), output, _render_malicious)
