"""The analysis routes answer what the CLI answers, over the demo dataset, and the graph
gauges at /metrics reflect it (unsigned in production, malicious packages, bypass)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from provenance_linker.cli.main import run

from ..support.service import Service, demo_service


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = demo_service(tmp_path_factory.mktemp("demo"), {"reader": "reader"})
    try:
        yield service
    finally:
        service.stop()


def _cli_json(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> object:
    capsys.readouterr()
    code = run(["--db", db_url, *args, "--output", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return orjson.loads(out)


def test_unsigned_and_malicious_match_the_cli(demo: Service,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with demo.client(demo.tokens["reader"]) as client:
        unsigned = client.get("/v1/unsigned", params={"environment": "production"}).json()
        malicious = client.get("/v1/malicious").json()
    assert unsigned["unsigned"], "the demo runs an unsigned workload in production"
    assert unsigned["unsigned"] == _cli_json(capsys, demo.db_url, "query", "unsigned",
                                             "--environment", "production")
    assert malicious == _cli_json(capsys, demo.db_url, "query", "malicious")


def test_blast_radius_and_vulns_match_the_cli(demo: Service,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with demo.client(demo.tokens["reader"]) as client:
        blast = client.get("/v1/blast-radius", params={"vuln": "DEMO-2026-0001"})
        assert blast.status_code == 200
        assert blast.json() == _cli_json(capsys, demo.db_url, "query", "blast-radius",
                                         "DEMO-2026-0001")
        trace = client.get("/v1/trace", params={"artifact": "registry.acme.test/payments/api"})
        digest = trace.json()["artifact"]["digest"]
        vulns = client.get("/v1/vulns", params={"artifact": digest}).json()
    assert vulns == _cli_json(capsys, demo.db_url, "query", "vulns", "--artifact", digest)


def test_verify_route_reports_the_policy_result(demo: Service,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with demo.client(demo.tokens["reader"]) as client:
        trace = client.get("/v1/trace", params={"artifact": "registry.acme.test/storefront/web"})
        digest = trace.json()["artifact"]["digest"]
        report = client.get("/v1/verify", params={"artifact": digest,
                                                  "environment": "production"}).json()
    cli = _cli_json(capsys, demo.db_url, "verify", "--artifact", digest, "-e", "production")
    assert isinstance(cli, dict)
    assert report["result"] == cli["result"] == "failure"
    text = httpx.get(demo.base_url + "/metrics").text
    assert 'provenance_verifications_total{artifact_type="artifact",failure_reason=' in text


def test_graph_gauges_reflect_the_demo(demo: Service) -> None:
    text = httpx.get(demo.base_url + "/metrics").text
    unsigned = [x for x in text.splitlines()
                if x.startswith("provenance_unsigned_artifacts_in_production{")]
    assert unsigned and all('environment="production"' in x and "deployment=" in x
                            and "artifact_name=" in x for x in unsigned)
    assert any(x.startswith("malicious_packages_detected_total{") for x in text.splitlines())
    assert "provenance_verification_bypass_active 0.0" in text
