"""Memory is bounded by the document's size: a whole process's peak RSS, measured by the
kernel (`wait4` for the CLI, `VmHWM` for the server), grows by less than 10x the file
over the same process ingesting a tiny document.

The large documents are generated: a BOM repeating one component (one `bom-ref`)
hundreds of thousands of times, and a realistic BOM (purls, hashes, licenses, a
dependency graph) from the demo generator."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

from provenance_linker.demo.samples import cyclonedx_sbom

from ..support.service import BIN, _env, make_token, start_service

BOUND = 10  # peak growth / file size
DUPLICATES = 250_000


def _repeated_bom(path: Path, count: int) -> Path:
    component = ('{"type":"library","bom-ref":"pkg:npm/left-pad@1.3.0","name":"left-pad",'
                 '"version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}')
    with path.open("w") as out:
        out.write('{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,'
                  '"metadata":{"component":{"type":"application","name":"big","version":"1"}},'
                  '"components":[')
        out.write(",".join([component] * count))
        out.write("]}")
    return path


def _realistic_bom(path: Path, components: int) -> Path:
    path.write_bytes(orjson.dumps(cyclonedx_sbom("registry.local/big:1", components).document))
    return path


def _tiny_bom(path: Path) -> Path:
    path.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                                "components": [{"type": "library", "name": "a",
                                                "version": "1"}]}))
    return path


def _cli_peak_kib(db_url: str, document: Path) -> int:
    """Peak RSS of a whole `provenance-linker ingest sbom` process, from the kernel."""
    proc = subprocess.Popen([str(BIN), "--db", db_url, "ingest", "sbom", str(document),
                             "-o", "json"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=_env(db_url))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.stderr is not None
    error = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == 0, error
    return usage.ru_maxrss


def test_cli_ingest_peak_memory_under_ten_times_the_file(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    baseline = _cli_peak_kib(db_url, _tiny_bom(tmp_path / "tiny.json"))
    for document in (_repeated_bom(tmp_path / "repeated.json", DUPLICATES),):
        size_kib = document.stat().st_size / 1024
        peak = _cli_peak_kib(db_url, document)
        assert peak - baseline < BOUND * size_kib, (
            f"{document.name}: {size_kib / 1024:.1f} MB file, peak {peak / 1024:.0f} MB "
            f"over a baseline of {baseline / 1024:.0f} MB")


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _server_pids(pid: int) -> Iterator[int]:
    yield pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        yield int(child)


def test_api_uploads_peak_memory_is_bounded(tmp_path: Path) -> None:
    """One large upload costs under 10x its size; six at once are held to the upload
    budget (two documents here): the rest are answered 503 with Retry-After."""
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "writer", "uploader")
    document = _repeated_bom(tmp_path / "repeated.json", DUPLICATES).read_bytes()
    size_kib = len(document) / 1024
    budget = 2 * len(document) + 1024
    api = start_service(tmp_path, db_url=db_url,
                        env={"PROVENANCE_UPLOAD_BUDGET_BYTES": str(budget)})
    try:
        with api.client(token) as client:  # warm-up: imports and first-request caches
            tiny = _tiny_bom(tmp_path / "tiny.json").read_bytes()
            assert client.post("/v1/sboms", content=tiny).status_code == 202
            pid = max(_server_pids(api.proc.pid), key=_peak_kib)
            baseline = _peak_kib(pid)
            assert client.post("/v1/sboms?name=one", content=document).status_code == 202
            one = _peak_kib(pid) - baseline
        assert one < BOUND * size_kib, f"one upload: {one / 1024:.0f} MB"

        def upload(i: int) -> httpx.Response:
            with api.client(token) as client:
                return client.post(f"/v1/sboms?name=c{i}", content=document + b" " * i)

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(upload, range(6)))
        statuses = sorted(a.status_code for a in answers)
        assert set(statuses) <= {202, 503} and 202 in statuses, statuses
        for answer in answers:
            if answer.status_code == 503:
                assert answer.headers["Retry-After"].isdigit()
                assert answer.headers["content-type"] == "application/problem+json"
        six = _peak_kib(pid) - baseline
        assert six < BOUND * 2 * size_kib, f"six uploads: {six / 1024:.0f} MB, {statuses}"
    finally:
        api.stop()
