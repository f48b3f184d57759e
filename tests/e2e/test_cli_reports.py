"""Reports to hand on: SARIF 2.1.0 (validated against the OASIS schema) and CSV of
`query vulns`, `query blast-radius` and `verify`; VEX export in OpenVEX and CycloneDX
(re-ingested, and validated against the CycloneDX schema); the offline incident report."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from provenance_linker.demo.samples import demo_advisories, demo_cluster, demo_images
from provenance_linker.queries.reports_vex import artifact_purl

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures/sarif/sarif-schema-2.1.0.json")
                    .read_text())


def _sarif(text: str) -> dict[str, Any]:
    log = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["version"] == "2.1.0"
    return log  # type: ignore[no-any-return]


def _write(path: Path, doc: Any) -> Path:
    path.write_bytes(orjson.dumps(doc))
    return path


@pytest.fixture
def demo(cli: Any, tmp_path: Path) -> dict[str, Any]:
    images = demo_images()
    for image in images:
        name = image.name.rsplit("/", 1)[-1].replace(":", "_")
        assert cli("ingest", "sbom", str(_write(tmp_path / f"{name}.cdx.json",
                                                 image.document))).code == 0
    records = demo_advisories(images)
    records[1]["summary"] = '=HYPERLINK("http://evil.test","click") unsafe loader'
    for record in records:
        assert cli("ingest", "advisories",
                   str(_write(tmp_path / f"{record['id']}.json", record))).code == 0
    cluster = demo_cluster(images)
    cluster["items"][0]["metadata"]["labels"]["team"] = "payments-team"
    cluster["items"][0]["spec"]["template"]["metadata"]["labels"]["team"] = "payments-team"
    assert cli("ingest", "deployments", str(_write(tmp_path / "c.json", cluster)),
               "--cluster", "prod-eu").code == 0
    web = images[2]
    vex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:test:vex", "author": "t",
           "timestamp": "2026-11-03T00:00:00Z", "version": 1, "statements": [
               {"vulnerability": {"name": "DEMO-2026-0001"},
                "products": [{"@id": artifact_purl(web.digest, web.name)}],
                "status": "not_affected", "justification": "vulnerable_code_not_present",
                "impact_statement": "log4j-core is shaded out"},
               {"vulnerability": {"name": "DEMO-2026-0003"},
                "products": [{"@id": f"{web.name.rsplit(':', 1)[0]}@{web.digest}"}],
                "status": "affected", "action_statement": "upgrade lodash"}]}
    assert cli("ingest", "advisories", str(_write(tmp_path / "web.openvex.json", vex))).code == 0
    return {"images": images, "tmp": tmp_path, "web": web}


def _json(cli: Any, *args: str) -> Any:
    result = cli(*args, "--output", "json")
    assert result.code in (0, 1), result.err
    return result.json()


def test_vulns_sarif_and_csv_carry_every_finding(cli: Any, demo: dict[str, Any]) -> None:
    web = demo["web"]
    answer = _json(cli, "query", "vulns", "--artifact", web.name)
    findings = [*answer["vulnerabilities"], *answer["suppressed"]]
    assert answer["suppressed"], "the VEX statement suppresses one finding"
    result = cli("query", "vulns", "--artifact", web.name, "--output", "sarif")
    assert result.code == 0, result.err
    log = _sarif(result.out)
    results = log["runs"][0]["results"]
    assert sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]
                   ["uri"]) for r in results) == sorted((f["id"], f["package"])
                                                        for f in findings)
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == [f["id"] for f in answer["suppressed"]]
    assert "vulnerable_code_not_present" in suppressed[0]["suppressions"][0]["justification"]
    rule_ids = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)

    table = cli("query", "vulns", "--artifact", web.name, "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(table.out)))
    assert len(rows) == len(findings)
    summaries = [r["summary"] for r in rows]
    assert all(not s.startswith(("=", "+", "-", "@")) for s in summaries)
    assert any(s.startswith("'=HYPERLINK") for s in summaries)  # neutralised, kept


def test_blast_radius_sarif_has_paths_and_workloads(cli: Any, demo: dict[str, Any]) -> None:
    answer = _json(cli, "query", "blast-radius", "MAL-DEMO-2026-0001")
    result = cli("query", "blast-radius", "MAL-DEMO-2026-0001", "--output", "sarif")
    log = _sarif(result.out)
    results = log["runs"][0]["results"]
    assert len(results) == len(answer["artifacts"]) >= 3
    by_artifact = {r["properties"]["artifact"]: r for r in results}
    for artifact in answer["artifacts"]:
        flow = by_artifact[artifact["digest"]]["codeFlows"][0]["threadFlows"][0]["locations"]
        assert [step["location"]["logicalLocations"][0]["fullyQualifiedName"]
                for step in flow] == [step["key"] for step in artifact["path"]]
    running = {d["key"] for d in answer["deployments"]}
    related = {loc["logicalLocations"][0]["name"] for r in results
               for loc in r.get("relatedLocations", [])}
    assert related == running and running
    table = cli("query", "blast-radius", "MAL-DEMO-2026-0001", "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(table.out)))
    assert {r["deployment"] for r in rows if r["deployment"]} == running
    assert {r["artifact"] for r in rows} == {a["digest"] for a in answer["artifacts"]}


def test_verify_sarif_and_csv_list_each_check(cli: Any, demo: dict[str, Any]) -> None:
    api = demo["images"][1]
    answer = _json(cli, "verify", "--artifact", api.name)
    result = cli("verify", "--artifact", api.name, "--output", "sarif")
    assert result.code == 1  # the exit code still says fail
    log = _sarif(result.out)
    leaves = [c for c in answer["checks"]["children"]]
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["kind"]) for r in results] == [
        (c["check"], "pass" if c["passed"] else "fail") for c in leaves]
    table = cli("verify", "--artifact", api.name, "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(table.out)))
    assert [r["check"] for r in rows] == [f"all-of/{c['check']}" for c in leaves]
    assert {r["result"] for r in rows} == {answer["result"]}


def test_vex_export_round_trips_in_both_formats(cli: Any, demo: dict[str, Any],
                                                tmp_path: Path) -> None:
    web = demo["web"]
    out = tmp_path / "web.openvex.json"
    assert cli("export", "vex", "--artifact", web.name, "--out", str(out)).code == 0
    doc = json.loads(out.read_text())
    statuses = {s["vulnerability"]["name"]: s["status"] for s in doc["statements"]}
    assert statuses == {"DEMO-2026-0001": "not_affected", "DEMO-2026-0003": "affected"}
    affected = next(s for s in doc["statements"] if s["status"] == "affected")
    assert affected["action_statement"] == "upgrade lodash"
    again = cli("export", "vex", "--artifact", web.digest)
    assert json.loads(again.out) == doc  # same statements, same document (id included)

    # Handed to a fresh store holding the same SBOM: the same verdicts come back.
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    sbom = demo["tmp"] / "web_2.0.0.cdx.json"
    assert cli("ingest", "sbom", str(sbom), db=fresh).code == 0
    assert cli("ingest", "advisories", str(out), db=fresh).code == 0
    back = cli("export", "vex", "--artifact", web.digest, db=fresh)
    assert [(s["vulnerability"]["name"], s["status"], s.get("justification"))
            for s in json.loads(back.out)["statements"]] == [
        (s["vulnerability"]["name"], s["status"], s.get("justification"))
        for s in doc["statements"]]

    cdx = tmp_path / "web.vex.cdx.json"
    assert cli("export", "vex", "--artifact", web.name, "--format", "cyclonedx", "--out",
               str(cdx)).code == 0
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(cdx.read_text())
    assert error is None, error
    body = json.loads(cdx.read_text())
    states = {v["id"]: v["analysis"]["state"] for v in body["vulnerabilities"]}
    assert states == {"DEMO-2026-0001": "not_affected", "DEMO-2026-0003": "exploitable"}
    assert body["vulnerabilities"][0]["analysis"]["justification"] == "code_not_present"
    bad = cli("export", "vex", "--artifact", web.name, "--format", "spdx")
    assert bad.code != 0 and "openvex or cyclonedx" in bad.err


def test_incident_report_is_one_offline_file(cli: Any, demo: dict[str, Any],
                                             tmp_path: Path) -> None:
    out = tmp_path / "incident.html"
    result = cli("export", "incident", "CVE-2021-44228", "--out", str(out))
    assert result.code == 0, result.err
    html = out.read_text()
    answer = _json(cli, "query", "blast-radius", "CVE-2021-44228")
    assert "DEMO-2026-0001" in html and "CVE-2021-44228" in html
    for deployment in answer["deployments"]:
        assert deployment["key"] in html
    assert "payments-team (team)" in html  # the owner label
    assert "not_affected: vulnerable_code_not_present" in html  # the VEX verdict
    assert re.search(r"<td class=\"fail\">failure", html)  # verify's verdict
    # Nothing to fetch: no scripts, no external stylesheets or images, a CSP that says so.
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "default-src 'none'" in html
    bad = cli("export", "incident", "NOPE-1")
    assert bad.code != 0 and "no advisory known" in bad.err
