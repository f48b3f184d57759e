"""The report machinery of bench/bench_peers.py and bench/bench_scale.py on tiny sizes:
real OSV-Scanner, real CLI processes, real SQLite; numbers are recorded, never judged."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support.tools import tool

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_peers  # noqa: E402
import bench_scale  # noqa: E402
import benchdoc  # noqa: E402

HAND_WRITTEN = "# Benchmarks\n\n## Something measured by hand\n\nkeep me\n"


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "docs" / "benchmarks.md"
    path.parent.mkdir()
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def test_write_section_replaces_only_its_block(doc: Path) -> None:
    benchdoc.write_section(doc, "one", "first")
    benchdoc.write_section(doc, "two", "second")
    benchdoc.write_section(doc, "one", "first again")
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN.rstrip("\n"))
    assert "first again" in text and "first\n" not in text
    assert text.index("first again") < text.index("second")
    assert text.count("BEGIN GENERATED: one") == 1 and text.count("END GENERATED: two") == 1


def test_osv_database_converts_yaml_and_times(corpus: Path, tmp_path: Path) -> None:
    records = bench_peers.read_records(corpus / "vulns")
    stats = bench_peers.osv_database(records, tmp_path / "db")
    assert stats["yaml_converted"] == sum(1 for p, _ in records if p.suffix == ".yaml")
    for eco in bench_peers.OSV_ECOSYSTEMS:
        assert (tmp_path / "db" / "osv-scalibr" / eco / "all.zip").is_file()
    import zipfile

    with zipfile.ZipFile(tmp_path / "db" / "osv-scalibr" / "PyPI" / "all.zip") as archive:
        for name in archive.namelist():
            record = orjson.loads(archive.read(name))
            _, changed = bench_peers.rfc3339(record["modified"])
            assert not changed, (name, record["modified"])


def test_peers_quick_machinery(doc: Path, tmp_path: Path, monkeypatch: Any,
                               corpus: Path) -> None:
    monkeypatch.setenv("PROVENANCE_CORPUS", str(corpus))
    raw = tmp_path / "peers.json"
    assert bench_peers.main(["--sizes", "150", "--runs", "1", "--no-corpus",
                             "--osv-scanner", str(tool("osv-scanner")),
                             "--report", str(doc), "--json", str(raw)]) == 0
    result = orjson.loads(raw.read_bytes())
    row = result["generated"][0]
    assert row["components"] == 150 and row["ratio"] > 0 and row["query_ratio"] > 0
    # Every generated package version is one a record names: both tools find many.
    assert row["agreed"] > 50
    assert all(d["reason"] != "unexplained" for d in row["differences"]), row["differences"]
    text = doc.read_text(encoding="utf-8")
    assert "keep me" in text and "BEGIN GENERATED: peers" in text
    assert (doc.parent / "benchmarks" / "peers-ratio.png").stat().st_size > 1000
    assert (doc.parent / "benchmarks" / "peers-time-vs-size.png").stat().st_size > 1000


def test_scale_quick_machinery(doc: Path, tmp_path: Path) -> None:
    raw = tmp_path / "scale.json"
    assert bench_scale.main(["--backends", "sqlite", "--decades", "4,8", "--report",
                             str(doc), "--json", str(raw)]) == 0
    points = orjson.loads(raw.read_bytes())["points"]
    assert [p["sboms"] for p in points] == [4, 8]
    # The first 5,000 SBOMs carry the widespread package: the advisory reaches them all.
    assert [p["blast_artifacts"] for p in points] == [4, 8]
    assert all(p["bytes_per_occurrence"] > 0 and p["ingest_500_s"] > 0 for p in points)
    text = doc.read_text(encoding="utf-8")
    assert "keep me" in text and "BEGIN GENERATED: scale" in text
    assert (doc.parent / "benchmarks" / "scale-query-latency.png").is_file()
