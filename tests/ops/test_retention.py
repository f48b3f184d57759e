"""`store prune --superseded-before DATE`: superseded SBOMs go (archived first when
asked), current ones and everything else stay, space is reclaimed and reported, the
seals stay right, and the gauge shows the store's size."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.graph.sboms import sboms_for
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.ops import integrity
from provenance_linker.ops.retention import store_size_rows
from provenance_linker.store import open_store
from provenance_linker.store.seal import KEY_ENV

from .support import KEY


def test_prune_superseded_sboms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    url = f"sqlite:///{tmp_path}/graph.db"
    store = open_store(url)
    image = demo_images()[0]
    linker = Linker(store)
    revisions = []
    for i in range(4):  # four revisions of one image's SBOM: the last is current
        doc = dict(image.document)
        doc["serialNumber"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        doc["components"] = list(doc.get("components", []))[: 50 + i]
        revisions.append(linker.ingest(load(orjson.dumps(doc), f"rev{i}.cdx.json")))
    artifact = image.digest
    assert len(sboms_for(store, artifact)) == 4
    current = sboms_for(store, artifact)[0].digest
    store.close()
    capsys.readouterr()
    archive = tmp_path / "pruned.plbak"
    assert run(["--db", url, "store", "prune", "--superseded-before", "2020-01-01",
                "-o", "json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["documents"] == []  # all newer than that
    assert run(["--db", url, "store", "prune", "--superseded-before",
                datetime.now(UTC).isoformat(), "--archive", str(archive), "-o", "json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert len(report["documents"]) == 3 and current not in report["documents"]
    assert report["reclaimed_bytes"] is not None and report["reclaimed_bytes"] >= 0
    assert report["size_after"] <= report["size_before"]
    store = open_store(url)
    try:
        assert [s.digest for s in sboms_for(store, artifact)] == [current]
        assert integrity.verify(store, clock=lambda: datetime.now(UTC)).ok
        ((_, size),) = store_size_rows(store)
        assert size >= report["size_after"] > 0  # the verify above wrote its verdict since
    finally:
        store.close()
    assert run(["restore", "--check", str(archive)]) == 0
    assert run(["--db", url, "store", "prune", "--superseded-before", "yesterday"]) == 2
    assert "--superseded-before" in capsys.readouterr().err


def test_log_file_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "provenance.log"
    monkeypatch.setenv("PROVENANCE_LOG_FILE", str(log))
    monkeypatch.setenv("PROVENANCE_LOG_MAX_BYTES", "800")
    monkeypatch.setenv("PROVENANCE_LOG_BACKUPS", "2")
    monkeypatch.setenv("PROVENANCE_LOG_LEVEL", "INFO")
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    url = f"sqlite:///{tmp_path}/graph.db"
    for _ in range(12):  # each run logs a few hundred bytes of JSON lines
        assert run(["--db", url, "integrity", "verify"]) == 0
    files = sorted(p.name for p in tmp_path.glob("provenance.log*"))
    assert files == ["provenance.log", "provenance.log.1", "provenance.log.2"]
    assert all(p.stat().st_size <= 800 for p in tmp_path.glob("provenance.log*"))
    assert orjson.loads(log.read_text().splitlines()[-1])["event"] == "integrity_verified"
