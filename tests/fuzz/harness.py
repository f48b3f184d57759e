"""The one entry every fuzz case goes through: detect, parse, build and store a document,
exactly as `ingest` and the worker do. Only the project's own errors may escape."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from provenance_linker.cli.feeds import iter_archive
from provenance_linker.documents import DocumentKind, Limits, load
from provenance_linker.errors import ProvenanceError
from provenance_linker.graph.refs import parse_ref
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind
from provenance_linker.store.interface import GraphStore

SUBJECT = parse_ref("sha256:" + "5" * 64)  # signatures need a subject from the caller
LIMITS = Limits(max_bytes=8 * 1024 * 1024)
ARTIFACT_KEY = re.compile(r"sha256:[0-9a-f]{64}")


def ingest_bytes(store: GraphStore, data: bytes, name: str) -> bool:
    """True when stored, False when refused with the project's error; anything else
    propagates (the fuzz tests fail on it)."""
    try:
        document = load(data, name, LIMITS)
        options = IngestOptions(
            artifact=SUBJECT if document.kind == DocumentKind.SIGNATURE else None,
            environment="fuzz" if document.kind == DocumentKind.DEPLOYMENT else None,
            limits=LIMITS)
        Linker(store).ingest(document, options)
    except ProvenanceError as exc:
        assert str(exc), "an error must say what went wrong"
        return False
    bad = [n.key for n in store.find(NodeKind.ARTIFACT) if not ARTIFACT_KEY.fullmatch(n.key)]
    assert not bad, f"artifacts keyed by malformed digests: {bad[:3]}"
    return True


def ingest_archive(store: GraphStore, data: bytes, tmp: Path) -> None:
    """An OSV zip archive: every member refused cleanly or ingested."""
    path = tmp / "feed.zip"
    path.write_bytes(data)
    for label, document, error in iter_archive(path, LIMITS):
        if error is not None:
            assert isinstance(error, ProvenanceError), error
            continue
        assert document is not None
        ingest_bytes(store, document.data, str(label))


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
