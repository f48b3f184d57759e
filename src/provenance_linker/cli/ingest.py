"""`provenance-linker ingest …`: load documents into the graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..documents import Document, DocumentKind, Limits
from ..errors import InvalidDocument, ProvenanceError
from ..graph.refs import parse_ref
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from .context import state
from .feeds import iter_feed_documents
from .files import iter_documents
from .output import OUTPUT_OPTION, OutputFormat, console, emit, err_console, table

app = typer.Typer(help="Load SBOMs, advisories, attestations, signatures and deployments.",
                  no_args_is_help=True)

DocumentReader = Callable[[Sequence[Path], Limits],
                          Iterator[tuple[Path, Document | None, Exception | None]]]

KIND_COMMAND = {
    DocumentKind.SBOM: "ingest sbom",
    DocumentKind.ADVISORY: "ingest advisories",
    DocumentKind.VEX: "ingest advisories",
    DocumentKind.ATTESTATION: "ingest attestation",
    DocumentKind.SIGNATURE: "ingest signature",
    DocumentKind.DEPLOYMENT: "ingest deployments",
}


def run_ingest(ctx: typer.Context, paths: Sequence[Path], accepted: set[DocumentKind],
               options: IngestOptions, output: OutputFormat,
               reader: DocumentReader = iter_documents) -> None:
    """Ingest every file, continue past bad ones, print a summary; exit 1 if any refused."""
    st = state(ctx)
    linker = Linker(st.store())
    ingested: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    documents = list(reader(paths, options.limits))
    show_progress = output == OutputFormat.TABLE and len(documents) > 1
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TextColumn("ok {task.fields[ok]} refused "
                                                   "{task.fields[bad]}"), TimeElapsedColumn(),
                  console=err_console, disable=not show_progress, transient=True) as progress:
        task = progress.add_task("ingesting", total=len(documents), ok=0, bad=0)
        for path, document, error in documents:
            try:
                if error is not None:
                    raise error
                assert document is not None
                if document.kind not in accepted:
                    raise InvalidDocument(
                        f"this is a {document.format} {document.kind} document",
                        where=str(path),
                        hint=f"use `provenance-linker {KIND_COMMAND[document.kind]}`")
                ingested.append(linker.ingest(document, options).as_dict())
            except ProvenanceError as exc:
                refused.append({"file": str(path), "error": str(exc),
                                "hint": exc.hint or ""})
            progress.update(task, advance=1, ok=len(ingested), bad=len(refused))
    summary = {"ingested": ingested, "refused": refused,
               "warnings": sum(len(i["warnings"]) for i in ingested)}
    emit(summary, output, _render_summary)
    if refused:
        raise typer.Exit(1)


def _render_summary(summary: dict[str, Any]) -> None:
    rows = []
    for item in summary["ingested"]:
        s = item["summary"]
        counts = ", ".join(f"{k}={v}" for k, v in s.items()
                           if isinstance(v, int) and not isinstance(v, bool) and v)
        rows.append([item["name"], item["format"], "new" if item["created"] else "unchanged",
                     counts, len(item["warnings"])])
    if rows:
        console.print(table("Ingested", ["file", "format", "status", "counts", "warnings"], rows))
    for item in summary["ingested"]:
        for warning in item["warnings"][:20]:
            console.print(f"[yellow]warning:[/] {item['name']}: {warning}", highlight=False)
        if len(item["warnings"]) > 20:
            console.print(f"[yellow]warning:[/] {item['name']}: "
                          f"{len(item['warnings']) - 20} more warnings", highlight=False)
    for item in summary["refused"]:
        console.print(f"[bold red]refused:[/] {item['error']}", highlight=False)
        if item["hint"]:
            console.print(f"  [dim]hint:[/] {item['hint']}", highlight=False)
    console.print(f"{len(summary['ingested'])} ingested, {summary['warnings']} warnings, "
                  f"{len(summary['refused'])} refused", highlight=False)


@app.command("sbom")
def ingest_sbom(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="SBOM files or directories"),
    artifact: str | None = typer.Option(
        None, "--artifact", help="the artifact the SBOM describes: NAME@sha256:HEX, "
        "sha256:HEX or a known NAME:TAG"),
    strict: bool = typer.Option(False, "--strict",
                                help="refuse documents that fail schema validation"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Ingest CycloneDX and SPDX SBOMs (files or directories)."""
    settings = state(ctx).settings
    options = IngestOptions(strict=strict, artifact=parse_ref(artifact) if artifact else None,
                            limits=settings.limits)
    run_ingest(ctx, paths, {DocumentKind.SBOM}, options, output)


@app.command("advisories")
def ingest_advisories(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="OSV JSON/YAML records, directories of them, "
                                       "OSV all.zip archives, or OpenVEX documents"),
    strict: bool = typer.Option(False, "--strict", help="refuse records without 'modified'"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Ingest OSV advisories (incl. MAL- malicious-package records) and OpenVEX."""
    options = IngestOptions(strict=strict, limits=state(ctx).settings.limits)
    run_ingest(ctx, paths, {DocumentKind.ADVISORY, DocumentKind.VEX}, options, output,
               reader=iter_feed_documents)


@app.command("deployments")
def ingest_deployments(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="`kubectl get deploy,sts,ds,pods -A -o json` "
                                       "output (a List or single objects, JSON or YAML)"),
    environment: str | None = typer.Option(None, "--environment", help="environment of every "
                                           "workload (default: env label or namespace name)"),
    cluster: str | None = typer.Option(None, "--cluster", help="cluster name (default: "
                                       "'default')"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Ingest Kubernetes workload snapshots: what runs where, by image digest."""
    options = IngestOptions(environment=environment, cluster=cluster,
                            limits=state(ctx).settings.limits)
    run_ingest(ctx, paths, {DocumentKind.DEPLOYMENT}, options, output)
