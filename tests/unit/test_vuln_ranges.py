"""Affected-version matching: each ecosystem's ordering and OSV range semantics."""

from __future__ import annotations

from typing import Any

import pytest

from provenance_linker.vulns.ranges import AffectedSpec, base_ecosystem, parse_version


def _lt(ecosystem: str, a: str, b: str) -> bool:
    va, vb = parse_version(ecosystem, a), parse_version(ecosystem, b)
    assert va is not None and vb is not None, (ecosystem, a, b)
    return bool(va < vb)


@pytest.mark.parametrize(("ecosystem", "lower", "higher"), [
    ("PyPI", "1.0rc1", "1.0"),  # pre-release before release
    ("PyPI", "1.0", "1.0.post1"),
    ("PyPI", "2.0", "1!1.0"),  # epoch wins
    ("PyPI", "1.0.dev0", "1.0a1"),
    ("PyPI", "2.9", "2.10"),
    ("npm", "1.0.0-alpha", "1.0.0-alpha.1"),
    ("npm", "1.0.0-beta.11", "1.0.0-rc.1"),
    ("npm", "1.0.0-rc.1", "1.0.0"),
    ("Maven", "1.0-alpha", "1.0-beta"),
    ("Maven", "1.0-SNAPSHOT", "1.0"),
    ("Maven", "1.0-rc1", "1.0"),
    ("Maven", "1.0", "1.0-sp1"),
    ("Maven", "2.4", "2.12.2"),
    ("Go", "0.3.2", "0.3.3"),
    ("Go", "1.19.0-0", "1.19.0"),
    ("Go", "0.0.0-20210101000000-aaaaaaaaaaaa", "0.0.0-20220906165146-f3363e06e74c"),
    ("crates.io", "0.9.0", "0.10.0"),
    ("crates.io", "1.0.0-alpha", "1.0.0"),
    ("RubyGems", "1.13.4.rc1", "1.13.4"),
    ("RubyGems", "1.9", "1.13.4"),
    ("NuGet", "1.0.0-beta", "1.0.0"),
    ("NuGet", "12.0.3", "13.0.1"),
    ("Debian", "1.0~rc1", "1.0"),  # tilde sorts before everything
    ("Debian", "2.0", "1:1.0"),  # epoch
    ("Debian:7", "1.2.1-2.2+wheezy2", "1.2.1-2.2+wheezy3"),
    ("Alpine:v3.16", "10.5.9-r1", "10.5.16-r0"),
    ("Alpine", "1.0_rc1-r0", "1.0-r0"),
    ("Packagist", "1.0.0-beta", "1.0.0"),
    ("Packagist", "1.0.0", "1.0.1"),
])
def test_ecosystem_ordering(ecosystem: str, lower: str, higher: str) -> None:
    assert _lt(ecosystem, lower, higher)
    assert not _lt(ecosystem, higher, lower)


def test_base_ecosystem_strips_release() -> None:
    assert base_ecosystem("Debian:7") == "Debian"
    assert base_ecosystem("Alpine:v3.16") == "Alpine"
    assert base_ecosystem("PyPI") == "PyPI"


def _spec(ecosystem: str, events: list[dict[str, str]], versions: list[str] | None = None,
          kind: str = "ECOSYSTEM") -> AffectedSpec:
    ranges: list[dict[str, Any]] = [{"type": kind, "events": events}] if events else []
    return AffectedSpec.compile(ecosystem, "pkg", versions or [], ranges)


LOG4SHELL = [
    [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}],
    [{"introduced": "0"}, {"fixed": "2.3.1"}],
    [{"introduced": "2.4"}, {"fixed": "2.12.2"}],
]


@pytest.mark.parametrize(("version", "affected"), [
    ("2.14.1", True), ("2.15.0", False), ("2.17.1", False), ("2.3", True), ("2.3.1", False),
    ("2.4", True), ("2.12.1", True), ("2.12.2", False), ("2.13.0", True), ("2.0-beta9", True),
    ("2.12.3", False),
])
def test_log4shell_boundaries(version: str, affected: bool) -> None:
    specs = [_spec("Maven", events) for events in LOG4SHELL]
    assert any(s.match(version) is not None for s in specs) is affected


def test_multiple_intervals_in_one_range_and_unsorted_events() -> None:
    spec = _spec("PyPI", [{"introduced": "2.0.0"}, {"fixed": "2.0.7"},
                          {"introduced": "0"}, {"fixed": "1.26.18"}])
    assert spec.match("1.26.17") is not None
    assert spec.match("1.26.18") is None
    assert spec.match("2.0.6") is not None
    assert spec.match("2.0.7") is None
    assert spec.match("2.1.0") is None


def test_last_affected_is_inclusive_and_limit_exclusive() -> None:
    spec = _spec("Go", [{"introduced": "0"}, {"last_affected": "13.0.2"}])
    assert spec.match("13.0.2") is not None
    assert spec.match("13.0.3") is None
    limited = _spec("npm", [{"introduced": "1.0.0"}, {"limit": "2.0.0"}], kind="SEMVER")
    assert limited.match("1.5.0") is not None
    assert limited.match("2.0.0") is None


def test_match_reports_range_and_fixed_versions() -> None:
    verdict = _spec("npm", [{"introduced": "0"}, {"fixed": "4.17.21"}]).match("4.17.20")
    assert verdict is not None
    assert verdict.reason == "range"
    assert verdict.fixed == ("4.17.21",)
    assert verdict.range == {"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                             {"fixed": "4.17.21"}]}


def test_explicit_list_wins_over_catch_all_range() -> None:
    """Malware records pair 'introduced 0' with the exact bad releases."""
    spec = _spec("npm", [{"introduced": "0"}], ["0.0.7"], kind="SEMVER")
    assert spec.match("0.0.7") is not None
    assert spec.match("0.0.8") is None
    assert spec.match("4.17.21") is None


def test_catch_all_without_list_matches_every_version() -> None:
    spec = _spec("npm", [{"introduced": "0"}], kind="SEMVER")
    assert spec.match("0.0.1") is not None
    assert spec.match("99.0.0") is not None


def test_list_plus_bounded_range_is_a_union() -> None:
    spec = _spec("PyPI", [{"introduced": "1.5"}, {"fixed": "1.5.2"}], ["1.4.9"])
    assert spec.match("1.4.9") is not None
    assert spec.match("1.5.1") is not None
    assert spec.match("1.5.2") is None


def test_go_versions_with_and_without_v_prefix() -> None:
    spec = _spec("Go", [{"introduced": "0"}, {"fixed": "0.3.3"}], kind="SEMVER")
    assert spec.match("v0.3.2") is not None
    assert spec.match("0.3.2") is not None
    assert spec.match("v0.3.3") is None
    listed = _spec("Go", [], ["0.3.2"])
    assert listed.match("v0.3.2") is not None


def test_unparsable_versions_never_match_a_range() -> None:
    spec = _spec("Maven", [{"introduced": "0"}, {"fixed": "2.15.0"}])
    assert spec.match("") is None
    npm = _spec("npm", [{"introduced": "1.0.0"}], kind="SEMVER")
    assert npm.match("not a version!") is None


def test_git_ranges_match_only_known_commits() -> None:
    fixed = "90363e388c61874add3f3557ee654a996ec75d78"
    intro = "0123456789abcdef0123456789abcdef01234567"
    spec = AffectedSpec.compile("PyPI", "django", [], [
        {"type": "GIT", "repo": "https://example.invalid/django",
         "events": [{"introduced": intro}, {"fixed": fixed}]}])
    assert spec.match("1.5.1") is None  # a version is not a commit
    hit = spec.match("1.5.1", commit=intro)
    assert hit is not None and hit.reason == "git"
    assert spec.match("1.5.1", commit=fixed) is None
    assert spec.match("1.5.1", commit="f" * 40) is None  # unknown without history


def test_equal_introduced_and_fixed_reopen() -> None:
    spec = _spec("PyPI", [{"introduced": "1.0"}, {"fixed": "2.0"}, {"introduced": "2.0"},
                          {"fixed": "2.1"}])
    assert spec.match("2.0") is not None
    assert spec.match("2.1") is None
