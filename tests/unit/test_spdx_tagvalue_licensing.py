"""SPDX tag-value validation builds the SPDX license list once, not once per field.

spdx-tools' tag-value grammar action called `get_spdx_licensing()` (a new licensing of the
whole license list, ~30 ms and megabytes) for every licence field; our parser subclass
parses with one shared licensing and reports the same problems.
"""

from __future__ import annotations

from typing import Any

import license_expression
import pytest
from spdx_tools.spdx.parser.tagvalue import parser as tools_parser

from provenance_linker.documents import load
from provenance_linker.formats import ParseOptions, parse
from provenance_linker.formats.spdx_tagvalue import _tools_model
from provenance_linker.formats.spdx_validation import spdx_tools_problems


def tag_value(packages: int, bad_license: bool = False) -> str:
    lines = ["SPDXVersion: SPDX-2.3", "DataLicense: CC0-1.0", "SPDXID: SPDXRef-DOCUMENT",
             "DocumentName: many-licences", "DocumentNamespace: https://example.test/doc",
             "Creator: Tool: test", "Created: 2026-01-01T00:00:00Z", ""]
    for i in range(packages):
        licence = "MIT AND (" if bad_license and i == 3 else "Apache-2.0 OR MIT"
        lines += [f"PackageName: p{i}", f"SPDXID: SPDXRef-P{i}", "PackageVersion: 1.0",
                  "PackageDownloadLocation: NOASSERTION", "FilesAnalyzed: false",
                  f"PackageLicenseConcluded: {licence}", "PackageLicenseDeclared: MIT",
                  "PackageCopyrightText: NOASSERTION",
                  f"Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-P{i}", ""]
    return "\n".join(lines)


@pytest.fixture
def licensing_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of the function that builds a licensing (the real one still runs)."""
    calls: list[int] = []
    real = license_expression.get_spdx_licensing

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tools_parser, "get_spdx_licensing", counting)
    return calls


def test_validation_does_not_build_a_licensing_per_field(licensing_builds: list[int]) -> None:
    text = tag_value(40)
    record = parse(load(text.encode(), "many.spdx"), ParseOptions())
    assert len(record.subjects) == 40
    assert licensing_builds == []
    assert not [w for w in record.warnings if "spdx-tools" in w]


def test_the_same_problems_as_spdx_tools_own_parser() -> None:
    text = tag_value(6, bad_license=True)
    ours = spdx_tools_problems(lambda: _tools_model(text))
    theirs = spdx_tools_problems(lambda: tools_parser.Parser(
        write_tables=False, debug=False).parse(text))
    assert ours == theirs
    assert any("MIT AND (" in message for message, _ in ours)
