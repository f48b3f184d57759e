"""`provenance-linker keys …`: the trust store (keys, keyless identities, roots)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..errors import UsageError
from ..ops.key_status import MAX_WITHIN_DAYS
from ..trust import changes
from ..trust.trust_store import TrustStore
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

CLI_ACTOR = "cli"
app = typer.Typer(help="Trusted keys, keyless identities and Sigstore trusted roots.",
                  no_args_is_help=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


def _public(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != "pem"}


def _render_key(data: dict[str, Any]) -> None:
    key = data["key"]
    console.print(f"key {key['name']} {key['id']} ({key['algorithm']})", highlight=False)
    for item in data.get("reverified", []):
        console.print(f"re-verified {item['node']}: {item['status']} ({item['reason']})",
                      highlight=False)


@app.command("add")
def add(ctx: typer.Context, file: Path = typer.Argument(..., help="PEM key/cert or "
                                                        "securesystemslib JSON key"),
        name: str | None = typer.Option(None, "--name"),
        not_before: str | None = typer.Option(None, "--not-before", help="ISO 8601"),
        not_after: str | None = typer.Option(None, "--not-after", help="ISO 8601"),
        output: OutputFormat = OUTPUT_OPTION) -> None:
    """Trust a public key; re-verifies evidence that was waiting for a key."""
    value, reverified = changes.add_key(TrustStore(state(ctx).store()), _read(file), str(file),
                                        actor=CLI_ACTOR, name=name, not_before=not_before,
                                        not_after=not_after)
    emit({"key": _public(value), "reverified": reverified}, output, _render_key)


@app.command("list")
def list_keys(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Keys, identities and roots in the trust store."""
    trust = TrustStore(state(ctx).store())
    data = {"keys": [_public(v) for v in trust.list_keys()],
            "identities": [v for _, v in trust.store.list_records("trust.identities")],
            "roots": sorted(trust.roots())}

    def render(d: dict[str, Any]) -> None:
        console.print(table("Keys", ["id", "name", "algorithm", "not before", "not after",
                                     "rotated", "revoked"],
                            [[k["id"][:16], k["name"], k["algorithm"], k.get("not_before"),
                              k.get("not_after"), k.get("rotated_at"),
                              (f"{k['revoked_at']}: {k.get('revoke_reason')}"
                               if k.get("revoked_at") else None)] for k in d["keys"]]))
        console.print(table("Identities", ["id", "issuer", "subject", "regex"],
                            [[i["id"], i["issuer"], i["subject"], i["regex"]]
                             for i in d["identities"]]))
        console.print("Sigstore roots: " + ", ".join(d["roots"]), highlight=False)

    emit(data, output, render)


@app.command("rotate")
def rotate(ctx: typer.Context, old: str = typer.Argument(..., help="old key id or name"),
           new: Path = typer.Argument(..., help="the new public key file"),
           name: str | None = typer.Option(None, "--name"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Replace a key: the old one stays valid for signatures made before now."""
    old_value, new_value = changes.rotate_key(TrustStore(state(ctx).store()), old, _read(new),
                                              str(new), actor=CLI_ACTOR, name=name)
    emit({"old": _public(old_value), "new": _public(new_value)}, output,
         lambda d: console.print(f"rotated {d['old']['name']} -> {d['new']['name']} at "
                                 f"{d['old']['rotated_at']}", highlight=False))


@app.command("revoke")
def revoke(ctx: typer.Context, key: str = typer.Argument(..., help="key id or name"),
           reason: str = typer.Option(..., "--reason"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Revoke a key: nothing it signed verifies from now on."""
    value = changes.revoke_key(TrustStore(state(ctx).store()), key, reason, actor=CLI_ACTOR)
    emit({"key": _public(value)}, output,
         lambda d: console.print(f"revoked {d['key']['name']}: {d['key']['revoke_reason']}",
                                 highlight=False))


@app.command("trust-identity")
def trust_identity(ctx: typer.Context, issuer: str = typer.Option(..., "--issuer"),
                   subject: str = typer.Option(..., "--subject"),
                   regex: bool = typer.Option(False, "--regex",
                                              help="subject is a regular expression"),
                   output: OutputFormat = OUTPUT_OPTION) -> None:
    """Trust a keyless (Sigstore) signer: OIDC issuer + certificate identity."""
    value = changes.trust_identity(TrustStore(state(ctx).store()), issuer, subject,
                                   actor=CLI_ACTOR, regex=regex)
    emit({"identity": value}, output,
         lambda d: console.print(f"trusted {d['identity']['subject']} from "
                                 f"{d['identity']['issuer']}", highlight=False))


@app.command("trust-root")
def trust_root(ctx: typer.Context, file: Path = typer.Argument(..., help="TrustedRoot JSON"),
               name: str = typer.Option(..., "--name", help="e.g. staging"),
               output: OutputFormat = OUTPUT_OPTION) -> None:
    """Add a Sigstore trusted root (staging, a private instance); re-verifies waiting
    evidence."""
    value, reverified = changes.add_root(TrustStore(state(ctx).store()), name, _read(file),
                                         str(file), actor=CLI_ACTOR)
    emit({"root": value["name"], "reverified": reverified}, output,
         lambda d: console.print(f"trusted root {d['root']} added; "
                                 f"{len(d['reverified'])} items re-verified", highlight=False))


# operations (#17): the runbooks' "check key management system status"
@app.command("status")
def status(ctx: typer.Context,
           within_days: int = typer.Option(30, "--within-days", min=0, max=MAX_WITHIN_DAYS,
                                           help="report keys and roots expiring this soon"),
           output: OutputFormat = OUTPUT_OPTION) -> None:
    """Keys and Sigstore roots expiring within N days, revoked keys still referenced by
    stored signatures; exit 1 if there is any."""
    from datetime import UTC, datetime

    from ..ops.key_status import key_status

    report = key_status(state(ctx).store(), within_days=within_days,
                        clock=lambda: datetime.now(UTC))
    data = report.as_dict()

    def render(d: dict[str, Any]) -> None:
        console.print(table(f"Expiring within {within_days} days", ["what", "name", "id",
                                                                     "expires_at", "days"],
                            [[e.what, e.name, e.ident, e.expires_at, e.days_left]
                             for e in report.expiring]))
        console.print(table("Revoked keys still referenced", ["key", "signatures", "example"],
                            [[r["key"], r["signatures"], r["example"]]
                             for r in report.revoked_in_use]))
        nearest = report.nearest_expiry
        console.print(f"nearest expiry: {nearest.name} {nearest.ident} at {nearest.expires_at}"
                      if nearest else "nearest expiry: none", highlight=False)

    emit(data, output, render)
    if not report.ok:
        raise typer.Exit(1)
