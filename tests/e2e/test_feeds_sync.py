"""`feeds sync` against a loopback mirror serving real OSV archives built here from the
corpus records: incremental (ETag/304, per-record), safe (traversal, symlinks, bombs),
and on the worker's schedule."""

from __future__ import annotations

import json
import stat
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from provenance_linker.documents import Limits
from provenance_linker.jobs.feed_http import HttpFetcher
from provenance_linker.jobs.feed_sync import run_every, sources_for, sync
from provenance_linker.model import NodeKind, NodeRef
from provenance_linker.store import open_store

from ..support.feed_mirror import serve_mirror


def _records(corpus: Path) -> dict[str, list[dict[str, Any]]]:
    """Corpus OSV records grouped by the base ecosystem of their first affected entry."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((corpus / "vulns/osv").iterdir()):
        text = path.read_text()
        record = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        affected = record.get("affected") or [{}]
        eco = str((affected[0].get("package") or {}).get("ecosystem", "")).split(":")[0]
        if eco:
            out.setdefault(eco, []).append(record)
    return out


def _zip(path: Path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _build_mirror(root: Path, corpus: Path) -> dict[str, list[dict[str, Any]]]:
    grouped = _records(corpus)
    for eco, records in grouped.items():
        _zip(root / eco / "all.zip", {f"{r['id']}.json": orjson.dumps(r, default=str)
                                      for r in records})
    mal = {f"malicious-packages-main/osv/malicious/{p.stem}.json": p.read_bytes()
           for p in sorted((corpus / "vulns/malicious").glob("*.json"))}
    mal["malicious-packages-main/README.md"] = b"not a record"
    _zip(root / "malicious-packages" / "all.zip", mal)
    return grouped


@pytest.fixture
def mirror_root(tmp_path: Path, corpus: Path) -> tuple[Path, dict[str, list[dict[str, Any]]]]:
    root = tmp_path / "mirror"
    return root, _build_mirror(root, corpus)


def test_sync_is_incremental(mirror_root: Any, corpus: Path, cli: Callable[..., Any],
                             sqlite_url: str) -> None:
    root, grouped = mirror_root
    ecosystems = sorted(grouped)
    assert {"PyPI", "Go", "npm", "Maven"} <= set(ecosystems)
    args = [a for e in ecosystems for a in ("--ecosystem", e)]
    with serve_mirror(root) as mirror:
        first = cli("feeds", "sync", "--mirror", mirror.url, *args, "--malicious", "-o", "json")
        assert first.code == 0, first.err
        feeds = {r["source"]: r for r in first.json()["feeds"]}
        assert mirror.statuses() == [200] * (len(ecosystems) + 1)
        for eco in ecosystems:
            assert feeds[eco]["status"] == "synced"
            assert feeds[eco]["new"] == feeds[eco]["records"] == len(grouped[eco])
        mal = feeds["malicious-packages"]
        assert mal["records"] == len(list((corpus / "vulns/malicious").glob("*.json")))
        assert mal["new"] == mal["records"] and mal["refused"] == []

        second = cli("feeds", "sync", "--mirror", mirror.url, *args, "--malicious", "-o", "json")
        assert second.code == 0
        assert mirror.statuses() == [304] * (len(ecosystems) + 1)
        assert all(r["status"] == "not-modified" and r["new"] == 0
                   for r in second.json()["feeds"])

        # One PyPI record gets a newer revision; the archive is rebuilt around it.
        records = [dict(r) for r in grouped["PyPI"]]
        changed = records[0]
        changed["modified"] = "2099-01-01T00:00:00Z"
        changed["summary"] = "revised summary from the mirror"
        _zip(root / "PyPI" / "all.zip", {f"{r['id']}.json": orjson.dumps(r, default=str)
                                         for r in records})
        third = cli("feeds", "sync", "--mirror", mirror.url, *args, "-o", "json")
        assert third.code == 0
        statuses = dict(zip([p for p, _ in mirror.requests], mirror.statuses(), strict=True))
        assert statuses.pop("/PyPI/all.zip") == 200 and set(statuses.values()) == {304}
        pypi = next(r for r in third.json()["feeds"] if r["source"] == "PyPI")
        assert (pypi["replaced"], pypi["new"], pypi["unchanged"]) == (1, 0, len(records) - 1)

    store = open_store(sqlite_url)
    try:
        node = store.get(NodeRef(NodeKind.VULNERABILITY, str(changed["id"])))
        assert node is not None and node.props["summary"] == "revised summary from the mirror"
        assert store.get(NodeRef(NodeKind.VULNERABILITY, "MAL-2026-15859")) is not None
    finally:
        store.close()


def _symlink_zip(path: Path) -> None:
    info = zipfile.ZipInfo("PyPI/link.json")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("PyPI/ok.json", b"{}")
        z.writestr(info, "/etc/passwd")


@pytest.mark.parametrize("attack", ["traversal", "absolute", "symlink", "bomb"])
def test_unsafe_archives_are_refused_whole(tmp_path: Path, corpus: Path, sqlite_url: str,
                                           attack: str) -> None:
    root = tmp_path / "mirror"
    good = next(p for p in sorted((corpus / "vulns/osv").glob("*.json")))
    target = root / "PyPI" / "all.zip"
    if attack == "traversal":
        _zip(target, {"ok.json": good.read_bytes(), "../../escape.json": good.read_bytes()})
    elif attack == "absolute":
        _zip(target, {"ok.json": good.read_bytes(), "/tmp/abs.json": good.read_bytes()})
    elif attack == "symlink":
        target.parent.mkdir(parents=True)
        _symlink_zip(target)
    else:
        _zip(target, {"ok.json": good.read_bytes(), "bomb.json": b"{" + b" " * (8 << 20) + b"}"})
    store = open_store(sqlite_url)
    try:
        with serve_mirror(root) as mirror:
            [report] = sync(store, sources_for(mirror.url, ["PyPI"], False),
                            HttpFetcher(timeout=10), limits=Limits())
            assert report.status == "refused" and report.records == 0, report
            assert report.error and "all.zip" in report.error
            assert store.documents() == []
            [again] = sync(store, sources_for(mirror.url, ["PyPI"], False),
                           HttpFetcher(timeout=10))
            assert again.status == "refused"  # no state kept: refetched, refused again
            assert mirror.statuses() == [200, 200]
    finally:
        store.close()


def test_worker_schedule_runs_sync_until_stopped(mirror_root: Any, sqlite_url: str) -> None:
    root, grouped = mirror_root
    store = open_store(sqlite_url)
    stop = threading.Event()
    runs: list[int] = []
    try:
        with serve_mirror(root) as mirror:
            sources = sources_for(mirror.url, ["Go"], False)

            def job() -> None:
                runs.append(len(sync(store, sources, HttpFetcher(timeout=10))))
                if len(runs) == 3:
                    stop.set()

            thread = threading.Thread(target=run_every, args=(0.05, stop, job))
            thread.start()
            thread.join(timeout=60)
            assert not thread.is_alive() and len(runs) == 3
            assert mirror.statuses() == [200, 304, 304]
        go = [d for d in store.documents() if d.kind == "advisory"]
        assert len(go) == len(grouped["Go"])
    finally:
        stop.set()
        store.close()
