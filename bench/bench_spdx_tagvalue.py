"""SPDX tag-value ingest, whole process: the CLI's `ingest sbom` of tag-value files, this
tree against a baseline revision (its `src/` exported with `git archive`), alternating.

    .venv/bin/python bench/bench_spdx_tagvalue.py [--baseline REV] [--runs N] [FILE ...]

Files: those given (default: the syft tag-value fixtures, tests/fixtures/generators/syft/*.spdx)
and always a
generated document of 200 packages with two licence fields each (the shape that made
spdx-tools build its license list per field). Each run is a fresh process on a fresh
SQLite file (start-up included); reported: median wall time and median max RSS per file,
and the ratio baseline/current measured in the same call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "provenance_linker.cli.main"]


def licence_heavy(packages: int) -> str:
    lines = ["SPDXVersion: SPDX-2.3", "DataLicense: CC0-1.0", "SPDXID: SPDXRef-DOCUMENT",
             "DocumentName: licences", "DocumentNamespace: https://example.test/licences",
             "Creator: Tool: bench", "Created: 2026-01-01T00:00:00Z", "",
             "PackageName: app", "SPDXID: SPDXRef-App", "PackageDownloadLocation: NOASSERTION",
             "FilesAnalyzed: false", "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-App", ""]
    for i in range(packages):
        lines += [f"PackageName: p{i}", f"SPDXID: SPDXRef-P{i}", "PackageVersion: 1.0",
                  "PackageDownloadLocation: NOASSERTION", "FilesAnalyzed: false",
                  "PackageLicenseConcluded: Apache-2.0 OR MIT",
                  "PackageLicenseDeclared: (MIT AND BSD-3-Clause)",
                  "PackageCopyrightText: NOASSERTION",
                  f"ExternalRef: PACKAGE-MANAGER purl pkg:npm/p{i}@1.0.0",
                  f"Relationship: SPDXRef-App DEPENDS_ON SPDXRef-P{i}", ""]
    return "\n".join(lines)


def one_run(src: Path, document: Path, work: Path) -> tuple[float, float]:
    """(wall seconds, max RSS MiB) of one whole `ingest sbom` process."""
    db = work / f"run-{time.monotonic_ns()}.db"
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, "--db", f"sqlite:///{db}", "ingest", "sbom", str(document),
                             "-o", "json"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"ingest of {document} failed ({status})")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="HEAD~1", help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tv-") as tmp:
        work = Path(tmp)
        base = work / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        files = list(args.files) or sorted((ROOT / "tests/fixtures/generators/syft").glob(
            "*.spdx"))
        heavy = work / "licence-heavy-200.spdx"
        heavy.write_text(licence_heavy(200))
        files.append(heavy)
        print(f"{'file':34} {'KB':>6} {'baseline s':>11} {'current s':>10} {'ratio':>6} "
              f"{'base MiB':>9} {'cur MiB':>8}")
        for document in files:
            runs: dict[str, list[tuple[float, float]]] = {"base": [], "current": []}
            for _ in range(args.runs):  # alternate, so both see the same load
                runs["base"].append(one_run(base / "src", document, work))
                runs["current"].append(one_run(ROOT / "src", document, work))
            b = statistics.median(w for w, _ in runs["base"])
            c = statistics.median(w for w, _ in runs["current"])
            bm = statistics.median(m for _, m in runs["base"])
            cm = statistics.median(m for _, m in runs["current"])
            print(f"{document.name:34} {document.stat().st_size / 1024:6.0f} {b:11.2f} "
                  f"{c:10.2f} {b / c:6.1f} {bm:9.0f} {cm:8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
