"""The vulnerability commands end to end: ingest advisories (files, directories, all.zip),
deployments, and the blast-radius / vulns / malicious queries."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import orjson

from provenance_linker.demo.samples import demo_advisories, demo_cluster, demo_images


def _write_demo(tmp_path: Path) -> tuple[list[Any], Path, Path, Path]:
    images = demo_images()
    sboms = tmp_path / "sboms"
    sboms.mkdir()
    for image in images:
        name = image.name.rsplit("/", 1)[-1].replace(":", "_")
        (sboms / f"{name}.cdx.json").write_bytes(orjson.dumps(image.document))
    feed = tmp_path / "all.zip"
    with zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in demo_advisories(images):
            archive.writestr(f"{record['id']}.json", orjson.dumps(record))
    cluster = tmp_path / "cluster.json"
    cluster.write_bytes(orjson.dumps(demo_cluster(images)))
    return images, sboms, feed, cluster


def test_ingest_and_query_vulnerabilities(cli: Any, tmp_path: Path) -> None:
    images, sboms, feed, cluster = _write_demo(tmp_path)
    advisories = cli("ingest", "advisories", str(feed), "--output", "json")
    assert advisories.code == 0, advisories.err
    ingested = advisories.json()["ingested"]  # type: ignore[index]
    assert len(ingested) == 4 and all("all.zip!" in i["name"] for i in ingested)
    assert cli("ingest", "sbom", str(sboms)).code == 0
    deployed = cli("ingest", "deployments", str(cluster), "--cluster", "prod-eu", "--output",
                   "json")
    assert deployed.code == 0, deployed.err
    summary = deployed.json()["ingested"][0]["summary"]  # type: ignore[index]
    assert summary["workloads"] == 2 and summary["environments"] == ["production"]

    radius = cli("query", "blast-radius", "CVE-2021-44228", "--environment", "production",
                 "--output", "json")
    assert radius.code == 0, radius.err
    data = radius.json()
    assert isinstance(data, dict)
    assert data["vulnerability"]["id"] == "DEMO-2026-0001"
    assert {d["key"] for d in data["deployments"]} == {
        "prod-eu/payments/Deployment/payments-api", "prod-eu/storefront/Deployment/storefront-web"}
    table = cli("query", "blast-radius", "DEMO-2026-0001")
    assert table.code == 0 and "payments-api" in table.out and "2.15.0" in table.out

    vulns = cli("query", "vulns", "--artifact", images[1].name, "--min-severity", "high",
                "--output", "json")
    assert vulns.code == 0, vulns.err
    found = vulns.json()
    assert isinstance(found, dict)
    ids = {r["id"] for r in found["vulnerabilities"]}
    assert "DEMO-2026-0001" in ids and "DEMO-2026-0002" not in ids  # medium is below high
    assert "MAL-DEMO-2026-0001" in ids  # malicious findings are never filtered out

    mal = cli("query", "malicious", "--output", "json")
    assert mal.code == 0
    rows = mal.json()["findings"]  # type: ignore[index]
    assert [r["advisory"] for r in rows] == ["MAL-DEMO-2026-0001"]
    assert rows[0]["artifacts"][0]["digest"] == images[0].digest


def test_refusals(cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"id": "X-1", "modified": "2026-01-01T00:00:00Z",
                                  "affected": [{"package": {"name": "a"}}]}))
    result = cli("ingest", "advisories", str(bad))
    assert result.code == 1
    assert "$.affected[0].package" in result.out
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", b"[" + b" " * 30_000_000 + b"]")
    refused = cli("ingest", "advisories", str(bomb), "--output", "json")
    assert refused.code == 1
    assert "zip bomb" in refused.json()["refused"][0]["error"]  # type: ignore[index]
    assert cli("store", "stats", "--output", "json").code == 0
    unknown = cli("query", "blast-radius", "CVE-1999-0001")
    assert unknown.code == 1 and "no advisory known" in unknown.err
    wrong = cli("ingest", "deployments", str(bad))
    assert wrong.code == 1 and "ingest advisories" in wrong.out
    bad_level = cli("query", "vulns", "--artifact", "sha256:" + "0" * 64, "--min-severity",
                    "severe")
    assert bad_level.code != 0
