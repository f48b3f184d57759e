"""Portfolio search and licenses end to end through the CLI: every kind of search text,
pagination, the base-image hop, license expressions (per artifact and portfolio-wide)
and the `licenses` policy check — expectations computed from the generated documents."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.demo.samples import (
    cyclonedx_sbom,
    demo_advisories,
    demo_cluster,
    demo_images,
)

APP = "registry.acme.test/payments/api:1.4.2"


def _write(path: Path, doc: Any) -> Path:
    path.write_bytes(orjson.dumps(doc))
    return path


@pytest.fixture
def portfolio(cli: Any, tmp_path: Path) -> dict[str, Any]:
    images = demo_images()
    # A second build of a log4j user at another version, and a GPL-licensed package.
    other = cyclonedx_sbom("registry.acme.test/tools/cli:0.1.0", 20, seed=9)
    log4j = next(c for c in other.document["components"] if c["name"] == "log4j-core")
    log4j.update(version="2.17.1", purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1",
                 **{"bom-ref": "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"})
    for dep in other.document["dependencies"]:
        dep["dependsOn"] = [d.replace("log4j-core@2.14.1", "log4j-core@2.17.1")
                            for d in dep["dependsOn"]]
        if dep["ref"].endswith("log4j-core@2.14.1"):
            dep["ref"] = log4j["purl"]
    comps = other.document["components"]
    comps[-1]["licenses"] = [{"license": {"id": "GPL-3.0-only"}}]
    comps[-2]["licenses"] = [{"expression": "MIT OR GPL-3.0-only"}]
    comps[-3]["licenses"] = [{"license": {"name": "Acme proprietary"}}]
    for image in [*images, other]:
        name = image.name.rsplit("/", 1)[-1].replace(":", "_")
        assert cli("ingest", "sbom", str(_write(tmp_path / f"{name}.cdx.json",
                                                 image.document))).code == 0
    for record in demo_advisories(images):
        assert cli("ingest", "advisories",
                   str(_write(tmp_path / f"{record['id']}.json", record))).code == 0
    assert cli("ingest", "deployments", str(_write(tmp_path / "c.json", demo_cluster(images))),
               "--cluster", "prod-eu").code == 0
    return {"images": images, "other": other, "gpl": comps[-1], "either": comps[-2],
            "odd": comps[-3], "tmp": tmp_path}


def _search(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("query", "search", *args, "--output", "json")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    return data


def test_purl_search_with_and_without_version_and_by_prefix(cli: Any,
                                                            portfolio: dict[str, Any]) -> None:
    images, other = portfolio["images"], portfolio["other"]
    exact = _search(cli, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    assert exact["matched"] == ["purl"]
    assert [p["purl"] for p in exact["packages"]] == [
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]
    holders = {a["digest"] for a in exact["packages"][0]["artifacts"]}
    expected = {i.digest for i in images if any(
        c["purl"].endswith("log4j-core@2.14.1") for c in i.document["components"])}
    assert holders == expected and len(expected) == 2

    any_version = _search(cli, "pkg:maven/org.apache.logging.log4j/log4j-core")
    assert {p["version"] for p in any_version["packages"]} == {"2.14.1", "2.17.1"}
    newer = next(p for p in any_version["packages"] if p["version"] == "2.17.1")
    assert [a["digest"] for a in newer["artifacts"]] == [other.digest]

    prefix = _search(cli, "pkg:maven/org.apache.logging.log4j/*")
    wanted = {c["purl"] for i in [*images, other] for c in i.document["components"]
              if c["purl"].startswith("pkg:maven/org.apache.logging.log4j/")}
    assert {p["purl"] for p in prefix["packages"]} == wanted and len(wanted) >= 3


def test_packages_of_a_base_image_are_found_in_the_images_built_on_it(
        cli: Any, portfolio: dict[str, Any]) -> None:
    base, api, web = portfolio["images"]
    npm = next(c for c in base.document["components"] if c["purl"].startswith("pkg:npm/"))
    found = _search(cli, npm["purl"])
    rows = {a["digest"]: a["via"] for a in found["packages"][0]["artifacts"]}
    assert rows == {base.digest: "direct", api.digest: base.digest, web.digest: base.digest}


def test_digest_name_advisory_and_license_searches(cli: Any, portfolio: dict[str, Any]
                                                   ) -> None:
    base, api, _ = portfolio["images"]
    by_digest = _search(cli, api.digest)
    assert by_digest["artifacts"][0]["digest"] == api.digest
    assert _search(cli, api.digest[7:])["artifacts"][0]["digest"] == api.digest
    by_base_digest = _search(cli, base.digest)  # the base image is a package of the apps
    assert by_base_digest["packages"] and all("pkg:oci/" in p["purl"]
                                              for p in by_base_digest["packages"])
    by_name = _search(cli, "payments")
    assert [a["digest"] for a in by_name["artifacts"]] == [api.digest]
    by_alias = _search(cli, "CVE-2021-44228")
    assert [v["id"] for v in by_alias["advisories"]] == ["DEMO-2026-0001"]
    gpl = portfolio["gpl"]
    for text in ("license:GPL-3.0-only", "gpl-3.0-only"):
        found = _search(cli, text)
        assert {p["purl"] for p in found["packages"]} == {gpl["purl"],
                                                          portfolio["either"]["purl"]}
    by_package_name = _search(cli, "lodash")
    assert [p["purl"] for p in by_package_name["packages"]] == ["pkg:npm/lodash@4.17.20"]


def test_pagination_and_bad_input(cli: Any, portfolio: dict[str, Any]) -> None:
    everything = _search(cli, "pkg:npm/*", "--limit", "500")
    total = everything["total_packages"]
    assert total == len(everything["packages"]) > 6
    pages = [_search(cli, "pkg:npm/*", "--limit", "3", "--offset", str(o))["packages"]
             for o in range(0, total, 3)]
    assert [p["purl"] for page in pages for p in page] == [
        p["purl"] for p in everything["packages"]]
    for bad in (["   "], ["sha256:1234"], ["x" * 600]):
        result = cli("query", "search", *bad)
        assert result.code != 0 and "error" in result.err and "Traceback" not in result.err


def test_licenses_per_artifact_and_portfolio(cli: Any, portfolio: dict[str, Any]) -> None:
    other = portfolio["other"]
    result = cli("query", "licenses", "--artifact", other.name, "--output", "json")
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    rows = {p["purl"]: p for p in data["packages"]}
    assert rows[portfolio["gpl"]["purl"]]["licenses"] == ["GPL-3.0-only"]
    assert rows[portfolio["either"]["purl"]]["expression"] == "MIT OR GPL-3.0-only"
    assert rows[portfolio["odd"]["purl"]]["unknown"]  # a name, not an SPDX id
    counted: dict[str, int] = {}
    for comp in other.document["components"]:
        for lic in comp.get("licenses", []):
            key = lic.get("license", {}).get("id")
            if key:
                counted[key] = counted.get(key, 0) + 1
    tally = {r["license"]: r["packages"] for r in data["licenses"]}
    for key, n in counted.items():
        assert tally[key] >= n

    whole = cli("query", "licenses", "--output", "json")
    assert whole.code == 0
    summary = whole.json()
    assert isinstance(summary, dict)
    assert summary["artifacts"] == 4
    gpl = next(r for r in summary["licenses"] if r["license"] == "GPL-3.0-only")
    assert gpl == {"license": "GPL-3.0-only", "packages": 2, "artifacts": 1, "unknown": False}
    table = cli("query", "licenses")
    assert table.code == 0 and "GPL-3.0-only" in table.out


def _policy(tmp: Path, body: str) -> Path:
    path = tmp / "licenses.yaml"
    path.write_text(body)
    return path


def test_license_policy_denies_only_what_cannot_be_avoided(cli: Any,
                                                           portfolio: dict[str, Any]) -> None:
    tmp, other = portfolio["tmp"], portfolio["other"]
    deny = _policy(tmp, "licenses: {deny: [GPL-3.0-only]}\n")
    result = cli("verify", "--artifact", other.name, "--policy", str(deny), "--output", "json")
    assert result.code == 1, result.err
    report = result.json()
    assert isinstance(report, dict)
    assert report["failure_reason"] == "licenses"
    bad = {e["package"]: e["denied"] for e in report["checks"]["evidence"]}
    assert bad == {portfolio["gpl"]["purl"]: ["GPL-3.0-only"]}  # MIT OR GPL has a way out

    api = portfolio["images"][1]
    clean = cli("verify", "--artifact", api.name, "--policy", str(deny), "--output", "json")
    assert clean.code == 0, clean.out

    strict = _policy(tmp, "licenses: {deny: [GPL-3.0-only], unknown: deny}\n")
    result = cli("verify", "--artifact", other.name, "--policy", str(strict), "--output",
                 "json")
    flagged = {e["package"] for e in result.json()["checks"]["evidence"]}  # type: ignore[index]
    assert portfolio["odd"]["purl"] in flagged

    for body, needle in (("licenses: {deny: [GPL-9.9-only]}\n", "not an SPDX license id"),
                         ("licenses: {}\n", "deny"),
                         ("licenses: {deny: [MIT], unknown: maybe}\n", "neither allow")):
        result = cli("verify", "--artifact", other.name, "--policy", str(_policy(tmp, body)))
        assert result.code == 2 and needle in result.err and "licenses.yaml" in result.err


def test_search_of_a_copy_keeps_its_own_answer(cli: Any, portfolio: dict[str, Any]) -> None:
    """A superseded SBOM's packages are not the artifact's any more."""
    api = portfolio["images"][1]
    newer = copy.deepcopy(api.document)
    newer["metadata"]["timestamp"] = "2026-12-01T00:00:00Z"
    newer["serialNumber"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    newer["components"] = [c for c in newer["components"] if c["name"] != "log4j-core"]
    keep = {c["bom-ref"] for c in newer["components"]} | {d["ref"] for d in
                                                          newer["dependencies"][:1]}
    newer["dependencies"] = [{"ref": d["ref"], "dependsOn": [x for x in d["dependsOn"]
                                                             if x in keep]}
                             for d in newer["dependencies"] if d["ref"] in keep]
    path = _write(portfolio["tmp"] / "api-newer.cdx.json", newer)
    assert cli("ingest", "sbom", str(path)).code == 0
    found = _search(cli, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    assert api.digest not in {a["digest"] for a in found["packages"][0]["artifacts"]}
