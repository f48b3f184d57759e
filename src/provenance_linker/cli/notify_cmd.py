"""`provenance-linker notify add|list|remove|dead`: outbound webhooks (ops/notify.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from ..ops import notify
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="Outbound webhooks for affected workloads, verification failures, "
                  "malicious packages and integrity violations.", no_args_is_help=True)


@app.command("add")
def add(ctx: typer.Context, url: str = typer.Argument(..., help="http(s) URL to POST to"),
        events: str = typer.Option(..., "--events", help="comma-separated: "
                                   + ", ".join(notify.EVENTS)),
        body_format: str = typer.Option("json", "--format", help="json or slack"),
        secret_file: Path | None = typer.Option(None, "--secret-file",
                                                help="HMAC secret (default: generated)"),
        output: OutputFormat = OUTPUT_OPTION) -> None:
    """Subscribe a webhook; the HMAC secret is printed once."""
    secret = secret_file.read_text().strip() if secret_file else None
    ident, secret = notify.add(state(ctx).store(), url,
                               [e.strip() for e in events.split(",") if e.strip()],
                               body_format=body_format, secret=secret,
                               clock=lambda: datetime.now(UTC))
    data = {"id": ident, "secret": None if secret_file else secret}
    emit(data, output, lambda d: console.print(
        f"webhook {d['id']} added" + (f"; signing secret (shown once): {d['secret']}"
                                      if d["secret"] else ""), highlight=False))


@app.command("list")
def list_hooks(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Webhooks (URLs without credentials; secrets never shown)."""
    hooks = notify.listing(state(ctx).store())
    emit({"webhooks": hooks}, output, lambda d: console.print(table(
        "Webhooks", ["id", "url", "events", "format"],
        [[h["id"], h["url"], ",".join(h["events"]), h["format"]] for h in d["webhooks"]])))


@app.command("remove")
def remove(ctx: typer.Context, ident: str = typer.Argument(..., help="webhook id")) -> None:
    """Unsubscribe a webhook."""
    notify.remove(state(ctx).store(), ident)
    console.print(f"webhook {ident} removed", highlight=False)


@app.command("dead")
def dead(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Deliveries that failed every attempt (the dead-letter list)."""
    rows = notify.dead_letters(state(ctx).store())
    emit({"dead": rows}, output, lambda d: console.print(table(
        "Dead letters", ["id", "webhook", "event", "error", "attempts"],
        [[r["id"], r["webhook"], r["event"], r["error"], r["attempts"]] for r in d["dead"]])))
