"""Reading advisory feeds: files, directories, and OSV's per-ecosystem `all.zip`.

Each archive member is one document, named `archive.zip!member.json`. Archives are
checked as a whole before anything is read (`jobs.feed_archive`: sizes, ratio, member
names, symbolic links); `feeds sync` pulls them from a mirror (`jobs.feed_sync`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import typer

from ..documents import Document, Limits, load
from ..errors import InvalidDocument, LimitExceeded, UsageError
from ..jobs.feed_archive import ArchiveLimits, is_zip, open_archive, read_member
from ..jobs.feed_http import HttpFetcher
from ..jobs.feed_sync import FeedSource, sources_for, sync
from .context import state
from .files import expand, read_document
from .options import DAY, seconds_option
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table


def iter_archive(path: Path, limits: Limits, archive_limits: ArchiveLimits | None = None
                 ) -> Iterator[tuple[Path, Document | None, Exception | None]]:
    """Every member of an OSV archive as a Document (errors per member)."""
    bounds = archive_limits or ArchiveLimits(max_member_bytes=min(limits.max_bytes,
                                                                  16 * 1024 * 1024))
    where = str(path)
    try:
        archive, members = open_archive(path, where, bounds)
    except (InvalidDocument, LimitExceeded) as exc:
        yield path, None, exc
        return
    with archive:
        for member in members:
            label = Path(f"{where}!{member.filename}")
            try:
                data = read_member(archive, member, str(label), bounds)
                yield label, load(data, str(label), limits), None
            except InvalidDocument as exc:
                yield label, None, exc


def iter_feed_documents(paths: Sequence[Path], limits: Limits
                        ) -> Iterator[tuple[Path, Document | None, Exception | None]]:
    """Files and directories as `cli.files.iter_documents` reads them, with zip archives
    opened member by member."""
    for path in expand(paths):
        if is_zip(path):
            yield from iter_archive(path, limits)
            continue
        try:
            yield path, read_document(path, limits), None
        except InvalidDocument as exc:
            yield path, None, exc


# `provenance-linker feeds sync`: the mirror client (jobs.feed_sync does the work).
app = typer.Typer(help="Advisory feeds: pull OSV archives from a mirror.", no_args_is_help=True)
MIRROR_ENV = "PROVENANCE_FEED_MIRROR"
ECOSYSTEMS_ENV = "PROVENANCE_FEED_ECOSYSTEMS"


def feed_sources(mirror: str | None, ecosystems: list[str] | None, malicious: bool
                 ) -> list[FeedSource]:
    mirror = mirror or os.environ.get(MIRROR_ENV)
    if not mirror:
        raise UsageError("no feed mirror configured",
                         hint=f"pass --mirror URL or set {MIRROR_ENV}")
    names = ecosystems or [e.strip() for e in os.environ.get(ECOSYSTEMS_ENV, "").split(",")
                           if e.strip()]
    if not names and not malicious:
        raise UsageError("no feed to sync", hint=f"pass --ecosystem NAME (repeatable), set "
                         f"{ECOSYSTEMS_ENV}, or --malicious")
    return sources_for(mirror, names, malicious)


def _render(data: dict[str, Any]) -> None:
    console.print(table("Feeds", ["source", "status", "records", "new", "replaced",
                                  "unchanged", "refused"],
                        [[r["source"], r["status"], r["records"], r["new"], r["replaced"],
                          r["unchanged"], len(r["refused"])] for r in data["feeds"]]))
    for r in data["feeds"]:
        if r["error"]:
            console.print(f"[red]{r['source']}[/]: {r['error']}", highlight=False)
        for item in r["refused"][:20]:
            console.print(f"refused: {item['error']}", highlight=False)


@app.command("sync")
def sync_command(
    ctx: typer.Context,
    mirror: str | None = typer.Option(None, "--mirror", help=f"mirror base URL (or {MIRROR_ENV})"
                                      "; archives at <mirror>/<ecosystem>/all.zip"),
    ecosystem: list[str] | None = typer.Option(None, "--ecosystem", "-e",
                                               help="OSV ecosystem, repeatable (or "
                                               f"{ECOSYSTEMS_ENV}=PyPI,npm)"),
    malicious: bool = typer.Option(False, "--malicious",
                                   help="also <mirror>/malicious-packages/all.zip"),
    timeout: float = seconds_option(60.0, "--timeout", minimum=1.0, maximum=DAY,
                                    help="seconds per request"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Pull changed OSV archives (ETag/If-Modified-Since) and ingest new or newer records."""
    st = state(ctx)
    sources = feed_sources(mirror, ecosystem, malicious)
    reports = sync(st.store(), sources, HttpFetcher(timeout=timeout), limits=st.settings.limits)
    data = {"feeds": [r.as_dict() for r in reports]}
    emit(data, output, _render)
    if any(r.status in ("refused", "failed") for r in reports):
        raise typer.Exit(1)
