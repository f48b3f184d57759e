"""`provenance-linker demo`: write the sample dataset, ingest it, and answer questions."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo.walkthrough import ingest_images
from ..queries.trace import trace
from .context import state
from .demo_explorer import demo_explorer
from .demo_trust import demo_trust
from .demo_vulns import demo_vulnerabilities
from .output import console
from .query import _render_trace


def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path(".demo/samples"), "--out",
                             help="where to write the sample documents"),
) -> None:
    """Generate a sample dataset, ingest it and print real answers."""
    store = state(ctx).store()
    console.rule("[bold]1. Sample SBOMs")
    images, ingested = ingest_images(store, out)
    for item in ingested:
        s = item.report.summary
        console.print(f"ingested {item.path} — {s['packages']} packages, "
                      f"{s['dependency_edges']} dependency edges, "
                      f"{s['linked_artifacts']} linked artifacts "
                      f"({'new' if item.report.created else 'already known'})", highlight=False)
    console.rule("[bold]2. Trace the payments API image")
    _render_trace(trace(store, images[1].name))
    console.print(f"\nTry: provenance-linker --db {state(ctx).settings.db_url} query trace "
                  f"--artifact {images[1].name} --output json", highlight=False)
    demo_vulnerabilities(store, images, out, state(ctx).settings.db_url)
    demo_trust(store, images, out, state(ctx).settings.db_url)
    demo_explorer(store, images, out, state(ctx).settings.db_url)
