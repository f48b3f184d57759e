"""`provenance-linker demo`: write the sample dataset, ingest it, and answer questions."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from ..demo.samples import demo_images
from ..documents import Limits
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from ..queries.trace import trace
from .context import state
from .demo_trust import demo_trust
from .demo_vulns import demo_vulnerabilities
from .files import read_document
from .output import console
from .query import _render_trace


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path(".demo/samples"), "--out",
                             help="where to write the sample documents"),
) -> None:
    """Generate a sample dataset, ingest it and print real answers."""
    store = state(ctx).store()
    linker = Linker(store)
    images = demo_images()
    out.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]1. Sample SBOMs")
    for image in images:
        path = out / f"{image.name.rsplit('/', 1)[-1].replace(':', '_')}.cdx.json"
        path.write_bytes(orjson.dumps(image.document, option=orjson.OPT_INDENT_2))
        report = linker.ingest(read_document(path, Limits()), IngestOptions())
        s = report.summary
        console.print(f"ingested {path} — {s['packages']} packages, "
                      f"{s['dependency_edges']} dependency edges, "
                      f"{s['linked_artifacts']} linked artifacts "
                      f"({'new' if report.created else 'already known'})", highlight=False)
    console.rule("[bold]2. Trace the payments API image")
    _render_trace(trace(store, images[1].name))
    console.print(f"\nTry: provenance-linker --db {state(ctx).settings.db_url} query trace "
                  f"--artifact {images[1].name} --output json", highlight=False)
    demo_vulnerabilities(store, images, out, state(ctx).settings.db_url)
    demo_trust(store, images, out, state(ctx).settings.db_url)
