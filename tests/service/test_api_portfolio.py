"""The portfolio routes answer what the CLI answers (search, licenses, VEX export,
SARIF/CSV reports, the incident report), over the demo dataset, behind reader tokens."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from provenance_linker.cli.main import run

from ..support.service import Service, demo_service

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures/sarif/sarif-schema-2.1.0.json")
                    .read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = demo_service(tmp_path_factory.mktemp("portfolio"), {"reader": "reader"})
    try:
        yield service
    finally:
        service.stop()


def _cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> Any:
    capsys.readouterr()
    assert run(["--db", db, *args, "--output", "json"]) in (0, 1)
    return orjson.loads(capsys.readouterr().out)


def test_search_and_licenses_match_the_cli(demo: Service,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with demo.client(demo.tokens["reader"]) as client:
        for q in ("pkg:maven/org.apache.logging.log4j/log4j-core", "CVE-2021-44228",
                  "payments", "license:MIT"):
            answer = client.get("/v1/search", params={"q": q, "limit": 20})
            assert answer.status_code == 200, answer.text
            assert answer.json() == _cli(capsys, demo.db_url, "query", "search", q,
                                         "--limit", "20")
        licenses = client.get("/v1/licenses").json()
        assert licenses == _cli(capsys, demo.db_url, "query", "licenses")
        assert client.get("/v1/search", params={"q": "x", "limit": 0}).status_code == 422
        assert client.get("/v1/search", params={"q": "sha256:12"}).status_code == 400
    with demo.client() as anonymous:
        assert anonymous.get("/v1/search", params={"q": "x"}).status_code == 401


def test_reports_are_valid_and_complete(demo: Service) -> None:
    with demo.client(demo.tokens["reader"]) as client:
        sarif = client.get("/v1/reports/blast-radius",
                           params={"vuln": "CVE-2021-44228", "format": "sarif"})
        assert sarif.headers["content-type"] == "application/sarif+json"
        log = sarif.json()
        jsonschema.Draft4Validator(SCHEMA).validate(log)
        radius = client.get("/v1/blast-radius", params={"vuln": "CVE-2021-44228"}).json()
        assert len(log["runs"][0]["results"]) == len(radius["artifacts"])
        table = client.get("/v1/reports/vulns", params={
            "artifact": "registry.acme.test/payments/api", "format": "csv"})
        rows = list(csv.DictReader(io.StringIO(table.text)))
        vulns = client.get("/v1/vulns", params={
            "artifact": "registry.acme.test/payments/api"}).json()
        assert len(rows) == len(vulns["vulnerabilities"]) + len(vulns["suppressed"])
        verify = client.get("/v1/reports/verify", params={
            "artifact": "registry.acme.test/payments/api", "format": "sarif"}).json()
        jsonschema.Draft4Validator(SCHEMA).validate(verify)
        vex = client.get("/v1/export/vex", params={
            "artifact": "registry.acme.test/search/indexer", "format": "openvex"}).json()
        assert [s["status"] for s in vex["statements"]] == ["not_affected"]
        html = client.get("/v1/reports/incident", params={"vuln": "CVE-2021-44228"})
        assert html.headers["content-type"].startswith("text/html") and "<script" not in html.text
        assert client.get("/v1/reports/nope", params={"artifact": "x"}).status_code == 400
        assert client.get("/v1/reports/vulns", params={"format": "xml",
                                                        "artifact": "x"}).status_code == 400
