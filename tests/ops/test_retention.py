"""`store prune --superseded-before DATE`: superseded SBOMs go (archived first when
asked), current ones and everything else stay, space is reclaimed and reported, the
seals stay right, and the gauge shows the store's size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.graph.sboms import sboms_for
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind
from provenance_linker.ops import integrity
from provenance_linker.ops.retention import prune, store_size_rows
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.seal import KEY_ENV

from ..support.backends import BACKEND_NAMES, make_store_url
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


@pytest.fixture(params=BACKEND_NAMES)
def sealed_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    store = open_store(make_store_url(request, request.param, tmp_path), integrity_key=KEY)
    try:
        yield store
    finally:
        store.close()


def test_prune_ended_workloads_keeps_what_runs(sealed_store: GraphStore) -> None:
    """Workloads that ended before DATE go; the running ones, their RUNS edges and the
    runtime history stay; seals stay right; nodes and edges removed are reported."""
    from ..runtime.helpers import Clock, deployment, digest_of, ingest, listing

    store = sealed_store
    web, api = digest_of("web-1.0"), digest_of("api-1.0")
    clock = Clock("2026-12-01T09:00:00+00:00")
    ingest(store, listing(deployment("web", "shop", f"reg.test/shop/web@{web}"),
                          deployment("api", "shop", f"reg.test/shop/api@{api}"),
                          deployment("job", "shop", f"reg.test/shop/job@{api}")),
           "t0.json", clock)
    clock.tick(60)  # 10:00: web is gone from the next snapshot, job scaled to 0
    ingest(store, listing(deployment("api", "shop", f"reg.test/shop/api@{api}"),
                          deployment("job", "shop", f"reg.test/shop/job@{api}", replicas=0)),
           "t1.json", clock)
    clock.tick(60)  # 11:00: api changes image
    ingest(store, listing(deployment("api", "shop", f"reg.test/shop/api@{web}"),
                          deployment("job", "shop", f"reg.test/shop/job@{api}", replicas=0)),
           "t2.json", clock)
    history = len(store.read_log("runtime"))
    keys = {n.key.split("/")[-1]: n for n in store.find(NodeKind.DEPLOYMENT)}
    assert sorted(keys) == ["api", "job", "web"]
    assert not keys["web"].props["running"] and not keys["job"].props["running"]
    early = prune(store, datetime.fromisoformat("2026-12-01T09:30:00+00:00"),
                  clock=clock)
    assert early.workloads == [] and early.removed == {"nodes": 0, "edges": 0}
    report = prune(store, datetime.fromisoformat("2026-12-01T10:30:00+00:00"), clock=clock)
    assert [k.split("/")[-1] for k in report.workloads] == ["job", "web"]
    assert report.removed["nodes"] == 2 and report.removed["edges"] == 0
    assert report.reclaimed_bytes is not None if store.size_bytes() is not None \
        else report.reclaimed_bytes is None
    left = store.find(NodeKind.DEPLOYMENT)
    assert [n.key.split("/")[-1] for n in left] == ["api"] and left[0].props["running"]
    runs = store.edges([EdgeKind.RUNS])
    assert [(e.src.key.split("/")[-1], e.dst.key) for e in runs] == [("api", web)]
    assert len(store.read_log("runtime")) == history  # the history keeps web's start and end
    assert integrity.verify(store, clock=lambda: datetime.now(UTC)).ok
    # what runs is still observed as before: the next snapshot changes nothing
    ingest(store, listing(deployment("api", "shop", f"reg.test/shop/api@{web}")), "t3.json",
           clock)
    assert len(store.read_log("runtime")) == history
    assert [e.dst.key for e in store.edges([EdgeKind.RUNS])] == [web]


def test_prune_cli_reports_ended_workloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from ..runtime.helpers import Clock, deployment, digest_of, ingest, listing

    monkeypatch.setenv(KEY_ENV, KEY.decode())
    url = f"sqlite:///{tmp_path}/graph.db"
    store = open_store(url)
    clock = Clock("2026-12-01T09:00:00+00:00")
    ingest(store, listing(*(deployment(f"w{i}", "shop", f"reg.test/w@{digest_of(str(i))}")
                            for i in range(40))), "t0.json", clock)
    clock.tick(60)
    ingest(store, listing(deployment("w0", "shop", f"reg.test/w@{digest_of('0')}")),
           "t1.json", clock)
    store.close()
    capsys.readouterr()
    archive = tmp_path / "ended.plbak"
    assert run(["--db", url, "store", "prune", "--superseded-before", "2026-12-02",
                "--archive", str(archive), "-o", "json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert len(report["workloads"]) == 39 and report["documents"] == []
    assert report["removed"]["nodes"] >= 39
    assert report["reclaimed_bytes"] > 0
    assert run(["restore", "--check", str(archive)]) == 0
