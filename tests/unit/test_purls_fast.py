"""The hand-parsed fast path for simple purls agrees with packageurl-python exactly."""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from provenance_linker.purls import ParsedPurl, simple_purl

TYPES = ["npm", "maven", "golang", "cargo", "gem", "nuget", "deb", "apk", "rpm", "composer",
         "generic", "conan", "hex", "swift", "cocoapods", "cran", "github", "bitbucket", "pypi",
         "pub", "oci"]
SEGMENT = st.from_regex(r"[a-z0-9A-Z][a-zA-Z0-9._~+@%-]{0,12}", fullmatch=True)
VERSION = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._~:+-]{0,14}", fullmatch=True)


def _reference(value: str) -> ParsedPurl | None:
    try:
        purl = PackageURL.from_string(value)
    except ValueError:
        return None
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    return ParsedPurl(canonical=purl.to_string(), type=purl.type,
                      namespace=purl.namespace or None, name=purl.name,
                      version=purl.version or None, qualifiers=dict(qualifiers),
                      subpath=purl.subpath or None)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(TYPES), st.lists(SEGMENT, max_size=3), SEGMENT,
       st.one_of(st.none(), VERSION))
def test_fast_path_matches_packageurl(type_: str, namespace: list[str], name: str,
                                      version: str | None) -> None:
    value = f"pkg:{type_}/{''.join(s + '/' for s in namespace)}{name}"
    value += f"@{version}" if version else ""
    fast = simple_purl(value)
    if fast is not None:  # whenever the fast path answers, it answers like packageurl
        assert fast == _reference(value)


def test_fast_path_on_real_scanner_purls(corpus: Path) -> None:
    purls = []
    for path in (corpus / "sbom/cyclonedx").glob("*.json"):
        purls += [c["purl"] for c in orjson.loads(path.read_bytes()).get("components", [])
                  if "purl" in c]
    taken = [p for p in purls if simple_purl(p) is not None]
    assert len(taken) > len(purls) // 3  # it covers real output, not just a corner
    for value in purls:
        fast = simple_purl(value)
        if fast is not None:
            assert fast == _reference(value), value


SIMPLE = st.from_regex(r"[a-z0-9][a-z0-9._~-]{0,12}", fullmatch=True)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(TYPES[:18]), st.lists(SIMPLE, max_size=3), SIMPLE,
       st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._~:-]{0,14}",
                                          fullmatch=True)))
def test_fast_path_takes_simple_purls(type_: str, namespace: list[str], name: str,
                                      version: str | None) -> None:
    value = f"pkg:{type_}/{''.join(s + '/' for s in namespace)}{name}"
    value += f"@{version}" if version else ""
    fast = simple_purl(value)
    if version and ((type_ == "golang" and not version.startswith("v"))
                    or (type_ in ("deb", "rpm") and version.startswith("0:"))):
        assert fast is None  # the package identity changes these versions (purls.identity)
        return
    assert fast is not None
    assert fast == _reference(value)
