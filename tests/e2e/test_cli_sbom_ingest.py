"""`provenance-linker ingest sbom` over the corpus folders: many files and directories,
warnings printed, bad files refused with reasons, exit code 1 when any was refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_ingest_every_valid_corpus_sbom_with_warnings(cli: Any, corpus: Path) -> None:
    folders = [corpus / "sbom/cyclonedx", corpus / "sbom/spdx"]
    files = [p for folder in folders for p in folder.iterdir() if p.is_file()]
    result = cli("ingest", "sbom", *map(str, folders), "--output", "json")
    assert result.code == 0, result.out
    data = result.json()
    assert isinstance(data, dict)
    assert data["refused"] == []
    assert len(data["ingested"]) == len(files)
    by_name = {Path(i["name"]).name: i for i in data["ingested"]}
    syft = [i for n, i in by_name.items() if "syft" in n and n.endswith(".spdx.json")]
    assert syft and all(i["warnings"] for i in syft)  # readable, not schema-perfect
    assert data["warnings"] == sum(len(i["warnings"]) for i in data["ingested"])
    formats = {i["format"] for i in data["ingested"]}
    assert formats == {"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-xml", "spdx-yaml",
                       "spdx-tag-value", "spdx-rdf"}


def test_table_output_prints_warnings_and_summary(cli: Any, corpus: Path) -> None:
    path = corpus / "sbom/spdx/spdx-2.3_syft-0.90_kubectl-linux-amd64-image.spdx.json"
    result = cli("ingest", "sbom", str(path))
    assert result.code == 0
    assert "warning:" in result.out
    assert "1 ingested" in result.out and "0 refused" in result.out


def test_strict_refuses_invalid_files_and_exits_1(cli: Any, corpus: Path) -> None:
    invalid = corpus / "sbom/invalid"
    valid = corpus / "sbom/cyclonedx/cdx-1.4_guac_nested-components.json"
    result = cli("ingest", "sbom", "--strict", str(valid), str(invalid), "--output", "json")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict)
    assert len(data["ingested"]) == 1
    refused = data["refused"]
    assert len(refused) == len([p for p in invalid.iterdir() if p.is_file()])
    for item in refused:
        assert Path(item["file"]).name in item["error"]
    table = cli("ingest", "sbom", "--strict", str(invalid))
    assert table.code == 1
    assert "refused:" in table.out and "schema validation failed" in table.out


def test_strict_validates_documents_already_ingested_leniently(cli: Any, corpus: Path) -> None:
    invalid = sorted(p for p in (corpus / "sbom/invalid").iterdir() if p.is_file())
    accepted = [p for p in invalid if cli("ingest", "sbom", str(p)).code == 0]
    assert accepted, "some invalid SBOMs are readable in lenient mode"
    for path in accepted:
        again = cli("ingest", "sbom", "--strict", str(path), "--output", "json")
        assert again.code == 1, (path.name, again.out)
        data = again.json()
        assert isinstance(data, dict)
        assert data["ingested"] == [] and len(data["refused"]) == 1
        assert path.name in data["refused"][0]["error"]
    unchanged = cli("ingest", "sbom", str(accepted[0]), "--output", "json")
    assert unchanged.code == 0  # lenient mode still answers "already ingested"
