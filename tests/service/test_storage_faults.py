"""Storage faults over the real service: a full disk (a small tmpfs) answers 507 problems
and flips readiness while the worker stays alive; a corrupted page of a real SQLite file
answers 503 problems and a CLI error, never a 500 or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo import samples as demo
from provenance_linker.errors import StorageFull
from provenance_linker.store.failures import storage_errors
from provenance_linker.store.sqlite import SqliteStore

from ..support.service import make_token, start_service, start_worker


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"cannot mount a tmpfs (root needed): {done.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _sbom(index: int, components: int = 600) -> bytes:
    return json.dumps(demo.cyclonedx_sbom(f"reg.test/full-{index}:1", components,
                                          seed=index).document).encode()


def test_a_full_disk_is_a_507_problem_and_not_ready(small_disk: Path, tmp_path: Path) -> None:
    db_url = f"sqlite:///{small_disk}/graph.db"
    token = make_token(db_url, "writer", "filler")
    api = start_service(tmp_path, db_url=db_url)
    worker = start_worker(db_url, tmp_path / "worker.log", "--poll", "0.2")
    statuses: list[int] = []
    try:
        with api.client(token) as client:
            for index in range(40):
                response = client.post("/v1/sboms", content=_sbom(index))
                statuses.append(response.status_code)
                if response.status_code != 202:
                    break
            ready = client.get("/readyz")
        time.sleep(2)
        worker_alive = worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(15)
        api.stop()
    assert 500 not in statuses
    assert statuses[-1] == 507, statuses
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Insufficient storage"
    assert response.headers["x-request-id"]
    assert ready.status_code == 503 and ready.json()["checks"]["storage"] != "ok"
    assert worker_alive, (tmp_path / "worker.log").read_text()[-2000:]
    assert "Traceback" not in api.log_path.read_text()


def _corrupt(path: Path) -> None:
    """Overwrite pages in the middle of a real SQLite file (keeping its header)."""
    size = path.stat().st_size
    assert size > 16 * 4096
    with path.open("r+b") as handle:
        for page in range(1, size // 4096):
            handle.seek(page * 4096 + 100)
            handle.write(b"\xde\xad\xbe\xef" * 200)


def test_a_corrupted_page_is_a_503_problem_and_a_cli_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "reader", "looker")
    sbom = tmp_path / "app.cdx.json"
    sbom.write_bytes(_sbom(1, components=2000))
    assert run(["--db", db_url, "ingest", "sbom", str(sbom)]) == 0
    _corrupt(tmp_path / "graph.db")
    capsys.readouterr()
    code = run(["--db", db_url, "query", "trace", "--artifact", "reg.test/full-1:1"])
    err = capsys.readouterr().err
    assert code != 0 and "error:" in err and "Traceback" not in err, err
    api = start_service(tmp_path, db_url=db_url)
    try:
        with api.client(token) as client:
            answers = [client.get(path) for path in
                       ("/v1/documents", "/v1/trace?artifact=reg.test/full-1:1",
                        "/v1/vulns?artifact=reg.test/full-1:1")]
            ready = client.get("/readyz")
    finally:
        api.stop()
    statuses = [a.status_code for a in answers]
    assert 500 not in statuses, [a.text for a in answers]
    assert 503 in statuses, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["content-type"] == "application/problem+json"
    assert ready.status_code == 503
    assert "Traceback" not in api.log_path.read_text()


def test_the_same_store_writes_again_once_space_is_freed(small_disk: Path) -> None:
    """A write refused by a full disk leaves no transaction open on the pooled
    connection: freed space is written to by the same store object."""
    url = f"sqlite:///{small_disk}/graph.db"
    store = SqliteStore(url)
    filler = small_disk / "filler"
    try:
        with filler.open("wb") as out:  # leave about 200 KiB free
            out.write(b"\0" * 2_700_000)
        blob = os.urandom(60_000).hex()
        refused = 0
        for i in range(40):
            try:
                with storage_errors(url):
                    store.put_record("bulk", str(i), {"blob": blob})
            except StorageFull:
                refused += 1
        assert refused, "the disk never filled"
        filler.unlink()
        with storage_errors(url):
            store.put_record("after", "k", {"v": 1})
        assert store.get_record("after", "k") == {"v": 1}
    finally:
        store.close()
