"""Bad input is the project's InvalidDocument naming the file, never a library exception:
real corpus documents with one value broken the way an attacker would break it."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.documents import DocumentKind, load
from provenance_linker.errors import InvalidDocument, ProvenanceError
from provenance_linker.graph.refs import parse_ref
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store

Mutation = Callable[[Any], Any]


def _json(path: str, mutate: Mutation) -> Callable[[Path], bytes]:
    def build(corpus: Path) -> bytes:
        obj = json.loads((corpus / path).read_bytes())
        mutate(obj)
        return json.dumps(obj).replace(f'"{HUGE}"', "9" * 4301).encode()
    return build


def _text(path: str, old: bytes, new: bytes) -> Callable[[Path], bytes]:
    def build(corpus: Path) -> bytes:
        data = (corpus / path).read_bytes()
        assert old in data, f"{path} no longer holds {old!r}"
        return data.replace(old, new, 1)
    return build


def _set(*keys: Any, value: Any) -> Mutation:
    def mutate(obj: Any) -> None:
        for key in keys[:-1]:
            obj = obj[key]
        obj[keys[-1]] = value
    return mutate


CDX_JSON = "sbom/cyclonedx/cdx-1.4_juice-shop-11.1.2_npm-flat.json"
CDX_DEPS = "sbom/cyclonedx/cdx-1.4_maven-plugin_quarkus-deps.json"
CDX_XML = "sbom/cyclonedx/cdx-1.6_spec-valid-bom.xml"
SPDX_JSON = "sbom/spdx/spdx-2.3_tools-python-example.spdx.json"
SPDX_YAML = "sbom/spdx/spdx-2.3_tools-python-example.spdx.yaml"
SPDX_XML = "sbom/spdx/spdx-2.2_tools-python-example.spdx.xml"
OSV_JSON = "vulns/osv/GHSA-35jh-r3h4-6jhm_npm_lodash_CVE-2021-23337.json"
OSV_YAML = "vulns/osv/PYSEC-2023-74_pypi_requests.yaml"
BUNDLE = "attest/sigstore-python/bundles/bundle.txt.sigstore"
LAYOUT = "attest/in-toto/demo.layout.template"
SLSA = "attest/guac/kubectl-linux-amd64_slsa-provenance.in-toto.json"
HUGE = "@huge-integer@"  # written as 4,301 digits

CASES: dict[str, Callable[[Path], bytes]] = {
    "json-integer-over-4300-digits": _json(CDX_JSON, _set("version", value=HUGE)),
    "osv-integer-over-4300-digits": _json(OSV_JSON, _set("database_specific", value=HUGE)),
    "cyclonedx-lone-surrogate": _json(CDX_JSON, _set("components", 0, "name",
                                                     value="a\ud800b")),
    "spdx-json-lone-surrogate-key": _json(SPDX_JSON, _set("packages", 0, "\udfff",
                                                          value="x")),
    "spdx-yaml-lone-surrogate": _text(SPDX_YAML, b'name: "SPDX-Tools-v2.0"',
                                                b'name: "SPDX-Tools\\ud800"'),
    "osv-json-lone-surrogate": _json(OSV_JSON, _set("summary", value="\ud800")),
    "osv-yaml-lone-surrogate": _text(OSV_YAML, b"id: PYSEC-2023-74", b'id: "PYSEC\\udc00"'),
    "sigstore-digest-of-3-bytes": _json(BUNDLE, _set(
        "messageSignature", "messageDigest", "digest",
        value=base64.b64encode(b"abc").decode())),
    "in-toto-layout-with-a-float": _json(LAYOUT, _set("signed", "steps", 0, "threshold",
                                                      value=1.5)),
    "in-toto-layout-float-expiry": _json(LAYOUT, _set("signed", "expires", value=1.5)),
    "slsa-numeric-build-invocation-id": _json(SLSA, _set("predicate", "metadata",
                                                         "buildInvocationID", value=119656)),
    "spdx-integer-creators": _json(SPDX_JSON, _set("creationInfo", "creators", value=7)),
    "spdx-integer-creator-entries": _json(SPDX_JSON, _set("creationInfo", "creators",
                                                          value=[1, 2])),
    "cyclonedx-depends-on-true": _json(CDX_DEPS, _set("dependencies", 0, "dependsOn",
                                                      value=True)),
    "spdx-xml-malformed-declaration": _text(SPDX_XML, b"<?xml version='1.0'",
                                            b"<?xml versio='1.0'"),
    "cyclonedx-xml-malformed-declaration": _text(CDX_XML, b'<?xml version="1.0"?>',
                                                 b'<?xml version="1.0" encoding="no-such"?>'),
    "cyclonedx-xml-declaration-garbage": _text(CDX_XML, b'<?xml version="1.0"?>',
                                               b'<?xml version="1.0" ?? ?>'),
    "first-line-json-then-garbage": lambda corpus: json.dumps(json.loads(
        (corpus / CDX_JSON).read_bytes())).encode() + b"\nnot JSON at all {\n",
}


def _ingest(url: str, data: bytes, name: str) -> None:
    store = open_store(url)
    try:
        document = load(data, name)
        artifact = parse_ref("sha256:" + "a" * 64)
        options = IngestOptions(artifact=artifact if document.kind == DocumentKind.SIGNATURE
                                else None)
        Linker(store).ingest(document, options)
    finally:
        store.close()


def _counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        return dict(store.counts())
    finally:
        store.close()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_an_invalid_document_naming_the_file(
        case: str, corpus: Path, sqlite_url: str) -> None:
    data = CASES[case](corpus)
    name = f"{case}.doc"
    before = _counts(sqlite_url)
    with pytest.raises(InvalidDocument) as caught:
        _ingest(sqlite_url, data, name)
    assert str(caught.value.where or "").startswith(name), caught.value
    assert _counts(sqlite_url) == before  # nothing was stored


def test_truncated_json_error_points_at_the_line_where_it_stops(corpus: Path) -> None:
    data = (corpus / CDX_JSON).read_bytes()
    cut = data[: len(data) // 2]
    with pytest.raises(InvalidDocument) as caught:
        load(cut, "half.json")
    line = cut.count(b"\n") + 1
    assert f"at line {line} " in caught.value.message, caught.value.message


def test_json_lines_of_one_format_are_still_read(corpus: Path) -> None:
    path = corpus / "attest/slsa-verifier/binary-linux-amd64-multi-subject-first.intoto.jsonl"
    lines = path.read_bytes().strip().splitlines()
    document = load(b"\n".join([*lines, *lines]), "two.jsonl")
    assert document.kind == DocumentKind.ATTESTATION


def test_the_cli_names_the_file_and_shows_no_traceback(
        corpus: Path, tmp_path: Path, cli: Callable[..., Any]) -> None:
    bad = tmp_path / "deps-true.json"
    bad.write_bytes(CASES["cyclonedx-depends-on-true"](corpus))
    result = cli("ingest", "sbom", str(bad))
    assert result.code == 1
    assert "deps-true.json" in result.out + result.err
    assert "dependsOn must be an array" in result.out + result.err
    assert "Traceback" not in result.err + result.out


def test_a_leftover_exception_in_the_cli_is_one_line_not_a_traceback(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from provenance_linker.cli import main

    @main.app.command("explode-for-test", hidden=True)
    def explode() -> None:
        raise KeyError("boom")

    try:
        code = main.run(["--db", f"sqlite:///{tmp_path}/g.db", "explode-for-test"])
        err = capsys.readouterr().err
        assert code != 0
        assert "error: internal error: KeyError" in err and "--debug" in err
        assert "Traceback" not in err
        code = main.run(["--debug", "--db", f"sqlite:///{tmp_path}/g.db", "explode-for-test"])
        assert "Traceback" in capsys.readouterr().err
    finally:
        main.app.registered_commands.pop()


def test_only_the_projects_errors_escape_for_every_case(corpus: Path, sqlite_url: str) -> None:
    for case, build in CASES.items():
        try:
            _ingest(sqlite_url, build(corpus), case)
        except ProvenanceError:
            continue
        raise AssertionError(f"{case} was accepted")
