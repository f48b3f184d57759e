"""Versions no range can match are counted per ecosystem and named, at ingest and in
`query vulns`; so are advisory ranges whose versions cannot be ordered."""

from __future__ import annotations

from provenance_linker.queries.vulns import vulns_for_artifact
from provenance_linker.store.interface import GraphStore

from .test_vuln_graph import bom, ingest, osv


def test_unparseable_component_versions_are_reported(store: GraphStore) -> None:
    odd = ["pkg:pypi/requests@not.a.version!", "pkg:npm/left-pad@latest",
           "pkg:npm/is-odd@next"]
    doc, digest = bom("reg.test/app:1", ["pkg:pypi/flask@2.0.1", *odd])
    report = ingest(store, doc, "app.cdx.json")
    assert report.summary["unparseable_versions"] == {"PyPI": 1, "npm": 2}
    lines = [w for w in report.warnings if "cannot be ordered" in w]
    assert len(lines) == 2
    npm = next(w for w in lines if w.startswith("2 npm"))
    assert "pkg:npm/left-pad@latest" in npm and "pkg:npm/is-odd@next" in npm
    assert any(w.startswith("1 PyPI") and "pkg:pypi/requests@" in w for w in lines)

    found = vulns_for_artifact(store, digest)
    odd_found = found["unparseable_versions"]
    assert {k: v["count"] for k, v in odd_found.items()} == {"PyPI": 1, "npm": 2}
    assert set(odd_found["npm"]["packages"]) == {"pkg:npm/left-pad@latest",
                                                 "pkg:npm/is-odd@next"}


def test_advisory_range_that_cannot_be_ordered_is_reported(store: GraphStore) -> None:
    record = osv("TEST-ODD-1", "left-pad", [{"introduced": "0"}, {"fixed": "soon"}],
                 ecosystem="npm")
    report = ingest(store, record, "odd.json")
    assert any("affected[0].ranges[0]" in w and "cannot be ordered" in w
               for w in report.warnings), report.warnings
