"""Fixtures for trust tests: a store, the corpus manifest's attest/ lines, and ingest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.telemetry import logging as tlog
from provenance_linker.trust.trust_store import TrustStore


@pytest.fixture(autouse=True)
def _logs_to_this_tests_stderr() -> None:
    """Core calls log; bind the logger to this test's stderr (an earlier test's captured
    stream may be closed)."""
    tlog.configure(level="INFO")


@pytest.fixture(scope="session")
def manifest(corpus: Path) -> dict[str, str]:
    """attest/ path -> the MANIFEST note stating its expected outcome."""
    notes: dict[str, str] = {}
    for line in (corpus / "MANIFEST.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        if fields[0].startswith("attest/"):
            notes[fields[0]] = fields[-1]
    assert len(notes) >= 60, "the corpus manifest lists the attest/ files"
    return notes


@pytest.fixture
def tstore(sqlite_url: str) -> Iterator[GraphStore]:
    s = open_store(sqlite_url)
    try:
        yield s
    finally:
        s.close()


class Clock:
    """An injectable clock the test moves by hand."""

    def __init__(self, start: str = "2026-01-01T00:00:00+00:00") -> None:
        self.now = datetime.fromisoformat(start)

    def __call__(self) -> datetime:
        return self.now

    def set(self, value: str) -> None:
        self.now = datetime.fromisoformat(value).astimezone(UTC)


def file_digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


Ingest = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def ingest(tstore: GraphStore, corpus: Path) -> Ingest:
    """Ingest corpus files; return the Signature/Attestation nodes' props they created."""

    def run(*relative: str, artifact: ArtifactRef | None = None,
            clock: Clock | None = None) -> list[dict[str, Any]]:
        linker = Linker(tstore, clock=clock) if clock else Linker(tstore)
        found: list[dict[str, Any]] = []
        for rel in relative:
            path = corpus / rel
            report = linker.ingest(load(path.read_bytes(), rel), IngestOptions(artifact=artifact))
            batch = tstore.export_document(report.document)
            assert batch is not None
            for node in batch.nodes:
                if node.kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION):
                    stored = tstore.get(node.ref)
                    assert stored is not None
                    found.append({**stored.props, "key": node.key, "node": str(node.kind)})
        return found

    return run


def trust_with(store: GraphStore, corpus: Path, *, keys: tuple[str, ...] = (),
               staging: bool = True) -> TrustStore:
    trust = TrustStore(store)
    if staging:
        trust.add_root("staging", (corpus / "attest/sigstore-python/trust/"
                                   "staging_trusted_root.json").read_bytes(), "staging")
    for rel in keys:
        trust.add_key((corpus / rel).read_bytes(), rel, name=Path(rel).stem)
    return trust
