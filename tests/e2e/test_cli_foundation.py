"""The foundation slice through the CLI: ingest CycloneDX JSON, trace, errors, refs."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import orjson

from provenance_linker.demo.samples import cyclonedx_sbom

JUICE = "sbom/cyclonedx/cdx-1.4_juice-shop-11.1.2_npm-flat.json"


def _db_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def _checkpointed_bytes(url: str) -> bytes:
    path = _db_path(url)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


def test_juice_shop_counts_and_idempotence(cli: Any, corpus: Path, sqlite_url: str) -> None:
    path = corpus / JUICE
    expected = orjson.loads(path.read_bytes())
    entries = len(expected["components"])
    distinct_purls = len({c["purl"] for c in expected["components"]})
    dep_entries = len(expected["dependencies"])
    dep_pairs = len({(d["ref"], t) for d in expected["dependencies"]
                     for t in d.get("dependsOn", [])})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    first = cli("ingest", "sbom", str(path), "--artifact", f"juice-shop:14.1.1@sha256:{digest}",
                "--output", "json")
    assert first.code == 0, first.err
    summary = first.json()["ingested"][0]["summary"]
    assert (entries, distinct_purls, dep_entries) == (1115, 978, 1116)
    assert summary["component_entries"] == entries
    assert summary["packages"] == distinct_purls
    assert summary["dependency_entries"] == dep_entries
    assert summary["dependency_pairs"] == dep_pairs
    stats = cli("store", "stats", "--output", "json").json()
    assert isinstance(stats, dict)
    assert stats["Package"] == 978
    assert stats["LISTS"] == 978
    assert stats["DEPENDS_ON"] == summary["dependency_edges"]
    # Every written pair is accounted for: pairs whose refs share a purl merge.
    ref_to_purl = {c["bom-ref"]: c["purl"] for c in expected["components"]}
    root = expected["metadata"]["component"]["bom-ref"]
    package_pairs = {("ROOT" if d["ref"] == root else ref_to_purl[d["ref"]], ref_to_purl[t])
                     for d in expected["dependencies"] for t in d.get("dependsOn", [])}
    assert summary["dependency_edges"] == len(package_pairs)
    before = _checkpointed_bytes(sqlite_url)
    second = cli("ingest", "sbom", str(path), "--output", "json")
    assert second.code == 0
    assert second.json()["ingested"][0]["created"] is False
    assert cli("store", "stats", "--output", "json").json() == stats
    assert _checkpointed_bytes(sqlite_url) == before


def test_malformed_file_is_refused_and_changes_nothing(cli: Any, corpus: Path, sqlite_url: str,
                                                      tmp_path: Path) -> None:
    assert cli("ingest", "sbom", str(corpus / JUICE), "--artifact",
               "juice@sha256:" + "b" * 64).code == 0
    before = _checkpointed_bytes(sqlite_url)
    bad = tmp_path / "broken.json"
    bad.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": '
                   '"library", "name": "x"}, {"type": "library"}]}')
    result = cli("ingest", "sbom", str(bad))
    assert result.code == 1
    assert "component has no name" in result.out
    assert "broken.json" in result.out and "$.components[1]" in result.out
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [')
    result = cli("ingest", "sbom", str(truncated))
    assert result.code == 1 and "malformed JSON" in result.out
    assert _checkpointed_bytes(sqlite_url) == before


def test_continues_past_bad_files(cli: Any, tmp_path: Path) -> None:
    good = cyclonedx_sbom("registry.test/app:1.0", 10, seed=5)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.json").write_bytes(orjson.dumps(good.document))
    (inputs / "b.json").write_text("not json at all")
    result = cli("ingest", "sbom", str(inputs), "--output", "json")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict)
    assert len(data["ingested"]) == 1 and len(data["refused"]) == 1
    assert data["refused"][0]["file"].endswith("b.json")


def test_trace_by_every_reference_form(cli: Any, tmp_path: Path) -> None:
    base = cyclonedx_sbom("registry.test/base:3", 8, seed=1, well_known=False)
    app = cyclonedx_sbom("registry.test/app:1.0", 20, seed=2, base_image=base)
    for sbom in (app, base):  # the app first: linking must not depend on arrival order
        path = tmp_path / f"{sbom.digest[7:15]}.json"
        path.write_bytes(orjson.dumps(sbom.document))
        assert cli("ingest", "sbom", str(path)).code == 0
    by_name = cli("query", "trace", "--artifact", "registry.test/app:1.0", "-o", "json").json()
    by_digest = cli("query", "trace", "--artifact", app.digest, "-o", "json").json()
    by_both = cli("query", "trace", "--artifact", f"registry.test/app@{app.digest}",
                  "-o", "json").json()
    assert by_name == by_digest == by_both
    assert isinstance(by_name, dict)
    assert by_name["artifact"]["digest"] == app.digest
    assert by_name["artifact"]["names"] == ["registry.test/app:1.0"]
    assert len(by_name["packages"]) == 21  # 20 components + the base image
    assert [x["artifact"] for x in by_name["contains_artifacts"]] == [base.digest]
    base_trace = cli("query", "trace", "--artifact", "registry.test/base:3", "-o", "json").json()
    assert isinstance(base_trace, dict)
    assert [x["key"] for x in base_trace["included_in"]] == [
        by_name["contains_artifacts"][0]["package"]]
    table = cli("query", "trace", "--artifact", "registry.test/app:1.0")
    assert table.code == 0 and "registry.test/app:1.0" in table.out


def test_newer_sbom_supersedes_older(cli: Any, tmp_path: Path) -> None:
    old = cyclonedx_sbom("registry.test/app:1.0", 5, seed=1, well_known=False)
    new_doc = orjson.loads(orjson.dumps(old.document))
    new_doc["metadata"]["timestamp"] = "2026-11-20T00:00:00Z"
    new_doc["components"] = new_doc["components"][:3]
    new_doc["dependencies"] = [{"ref": new_doc["metadata"]["component"]["bom-ref"]}]
    (tmp_path / "new.json").write_bytes(orjson.dumps(new_doc))
    (tmp_path / "old.json").write_bytes(orjson.dumps(old.document))
    assert cli("ingest", "sbom", str(tmp_path / "new.json")).code == 0
    assert cli("ingest", "sbom", str(tmp_path / "old.json")).code == 0
    data = cli("query", "trace", "--artifact", old.digest, "-o", "json").json()
    assert isinstance(data, dict)
    assert [s["current"] for s in data["sboms"]] == [True, False]
    assert data["sboms"][0]["created"] == "2026-11-20T00:00:00Z"
    assert len(data["packages"]) == 3


def test_reference_errors(cli: Any, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for tag, seed in (("1.0", 1), ("2.0", 2)):
        sbom = cyclonedx_sbom(f"registry.test/app:{tag}", 3, seed=seed, well_known=False)
        (inputs / f"{tag}.json").write_bytes(orjson.dumps(sbom.document))
    assert cli("ingest", "sbom", str(inputs)).code == 0
    unknown = cli("query", "trace", "--artifact", "registry.test/nope:1")
    assert unknown.code == 1 and "unknown artifact" in unknown.err
    ambiguous = cli("query", "trace", "--artifact", "registry.test/app")
    assert ambiguous.code == 1 and "names several artifacts" in ambiguous.err
    bad_digest = cli("query", "trace", "--artifact", "app@sha256:1234")
    assert bad_digest.code == 2 and "bad digest" in bad_digest.err
    missing = cli("query", "trace", "--artifact", "sha256:" + "c" * 64)
    assert missing.code == 1 and "no artifact with digest" in missing.err
    assert "Traceback" not in unknown.err + ambiguous.err + bad_digest.err


def test_usage_errors_exit_2(cli: Any) -> None:
    assert cli("query", "trace").code == 2
    assert cli("ingest", "sbom", "/nonexistent/file.json").code == 2
    assert cli("no-such-command").code == 2


def test_help_lists_every_group(cli: Any) -> None:
    result = cli("--help")
    assert result.code == 0
    for group in ("ingest", "query", "store", "demo"):
        assert group in result.out
