"""Memory is bounded by the document's size: a whole process's peak RSS, measured by the
kernel (`wait4` for the CLI, `VmHWM` for the server), grows by less than 10x the file
over the same process ingesting a tiny document.

The large documents are generated: a BOM repeating one component (one `bom-ref`)
hundreds of thousands of times, and a realistic BOM (purls, hashes, licenses, a
dependency graph) of 20,000 components from the demo generator, as CycloneDX JSON and
as SPDX JSON. Each goes into a fresh store, measured against the tiny document ingested
into that store first."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.spdx import spdx_sbom

from ..support.service import BIN, _env, make_token, start_service

BOUND = 10  # peak growth / file size
DUPLICATES = 250_000
REALISTIC = 20_000  # components of the realistic BOM (8.5 MB as CycloneDX JSON)


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


def _realistic_boms(folder: Path, components: int) -> tuple[Path, Path]:
    """The same realistic content as CycloneDX JSON and as SPDX JSON."""
    generated = cyclonedx_sbom("registry.local/big:1", components)
    cyclonedx, spdx = folder / "realistic.cdx.json", folder / "realistic.spdx.json"
    cyclonedx.write_bytes(orjson.dumps(generated.document))
    spdx.write_bytes(orjson.dumps(spdx_sbom(generated)))
    return cyclonedx, spdx


def _tiny_bom(path: Path) -> Path:
    path.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                                "components": [{"type": "library", "name": "a",
                                                "version": "1"}]}))
    return path


# A process's ru_maxrss starts from its parent's resident size at the fork (and, after
# a vfork, the parent's own peak), so the CLI is started by this small launcher rather
# than by the test process, which holds the generated documents: its peak would hide
# the CLI's. The launcher prints the exit code and the CLI's ru_maxrss.
_LAUNCHER = """import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)"""


def _cli_peak_kib(db_url: str, document: Path) -> int:
    """Peak RSS of a whole `provenance-linker ingest sbom` process, from the kernel."""
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(BIN), "--db", db_url, "ingest", "sbom",
         str(document), "-o", "json"], capture_output=True, env=_env(db_url), timeout=600)
    assert launched.returncode == 0, launched.stderr.decode()
    code, peak = launched.stdout.split()
    assert code == b"0", launched.stderr.decode()
    return int(peak)


def test_cli_ingest_peak_memory_under_ten_times_the_file(tmp_path: Path) -> None:
    tiny = _tiny_bom(tmp_path / "tiny.json")
    documents = (_repeated_bom(tmp_path / "repeated.json", DUPLICATES),
                 *_realistic_boms(tmp_path, REALISTIC))
    for document in documents:
        db_url = f"sqlite:///{tmp_path}/{document.stem}.db"
        baseline = _cli_peak_kib(db_url, tiny)
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
