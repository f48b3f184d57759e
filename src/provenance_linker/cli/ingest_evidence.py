"""`ingest attestation` and `ingest signature`: registered on the `ingest` group."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

import orjson
import typer

from ..documents import DocumentKind, load
from ..errors import InvalidDocument, ProvenanceError, UsageError
from ..graph.refs import ArtifactRef, parse_ref
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from .context import state
from .ingest import _render_summary, app, run_ingest
from .output import OUTPUT_OPTION, OutputFormat, emit


@app.command("attestation")
def ingest_attestation(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="bundles, DSSE envelopes, in-toto files"),
    artifact: str | None = typer.Option(
        None, "--artifact", help="the subject when the document names no sha256 digest"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Ingest Sigstore bundles, DSSE envelopes, in-toto Statements/links/layouts and SLSA
    provenance; every signature is verified and the outcome stored."""
    options = IngestOptions(artifact=parse_ref(artifact) if artifact else None,
                            limits=state(ctx).settings.limits)
    run_ingest(ctx, paths, {DocumentKind.ATTESTATION, DocumentKind.SIGNATURE}, options, output)


def artifact_of(value: str) -> tuple[ArtifactRef, bytes | None]:
    """A reference, or a file (the signed blob itself)."""
    path = Path(value)
    if path.is_file():
        data = path.read_bytes()
        return ArtifactRef(path.name, "sha256:" + hashlib.sha256(data).hexdigest()), data
    return parse_ref(value), None


@app.command("signature")
def ingest_signature(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", help="NAME@sha256:HEX, sha256:HEX, a "
                                 "known NAME:TAG, or the signed file itself"),
    signature: Path = typer.Option(..., "--signature", help="cosign signature lines, a "
                                   "Sigstore bundle, or a base64 detached signature"),
    certificate: Path | None = typer.Option(None, "--certificate",
                                            help="PEM certificate for a detached signature"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Ingest a signature for an artifact (verified on ingest)."""
    st = state(ctx)
    ref, _blob = artifact_of(artifact)
    options = IngestOptions(artifact=ref, limits=st.settings.limits)
    try:
        raw = signature.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {signature}: {exc.strerror}") from exc
    text = raw.strip()
    if text[:1] in (b"{", b"["):
        run_ingest(ctx, [signature], {DocumentKind.SIGNATURE, DocumentKind.ATTESTATION},
                   options, output)
        return
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidDocument("not a base64 signature, cosign JSON or bundle",
                              where=str(signature)) from exc
    if ref.digest is None:
        raise UsageError("a detached signature needs the artifact's digest or the file",
                         hint="--artifact NAME@sha256:HEX or --artifact ./file")
    cert = certificate.read_text() if certificate else None
    wrapped = orjson.dumps({"Base64Signature": text.decode(), "Cert": cert,
                            "ArtifactDigest": ref.digest, "ArtifactName": ref.name},
                           option=orjson.OPT_SORT_KEYS)
    ingested, refused = [], []
    try:
        document = load(wrapped, str(signature), st.settings.limits)
        ingested.append(Linker(st.store()).ingest(document, options).as_dict())
    except ProvenanceError as exc:
        refused.append({"file": str(signature), "error": str(exc), "hint": exc.hint or ""})
    emit({"ingested": ingested, "refused": refused,
          "warnings": sum(len(i["warnings"]) for i in ingested)}, output, _render_summary)
    if refused:
        raise typer.Exit(1)
