"""Every ecosystem comparator is a total order, and agrees with a reference ordering.

Properties over random version pairs/triples, per ecosystem parser in `vulns.ranges`:
exactly one of <, ==, > holds; <= and >= say the same as < and ==; sorting is
consistent (transitive). References: `packaging` for PyPI, `dpkg --compare-versions`
for Debian, and apk's documented rules (an independent token walk below) for Alpine.
"""

from __future__ import annotations

import shutil
import subprocess
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version as Pep440

from provenance_linker.vulns.ranges import PARSERS, AffectedSpec, parse_version

_num = st.integers(min_value=0, max_value=30).map(str)
_zero_num = st.sampled_from(["0", "00", "01", "05", "010", "1", "2", "9", "10", "11", "100"])


def _dotted(part: st.SearchStrategy[str], lo: int = 1, hi: int = 4) -> st.SearchStrategy[str]:
    return st.lists(part, min_size=lo, max_size=hi).map(".".join)


_semver = st.builds(
    lambda core, pre, build: core + (f"-{pre}" if pre else "") + (f"+{build}" if build else ""),
    _dotted(_num, 3, 3),
    st.one_of(st.just(""), _dotted(st.one_of(_num, st.sampled_from(
        ["alpha", "beta", "rc", "x", "SNAPSHOT"])), 1, 3)),
    st.sampled_from(["", "", "b1", "001"]))
_pep440 = st.builds(
    lambda epoch, rel, pre, post, dev: epoch + rel + pre + post + dev,
    st.sampled_from(["", "", "1!"]), _dotted(_num, 1, 4),
    st.sampled_from(["", "a1", "b2", "rc1", "rc10", "a0"]),
    st.sampled_from(["", ".post1", ".post2"]), st.sampled_from(["", ".dev0", ".dev3"]))
_maven = st.builds(
    lambda rel, q: rel + q, _dotted(_num, 1, 4),
    st.sampled_from(["", "-alpha", "-alpha-1", "-beta2", "-rc1", "-RC2", "-SNAPSHOT", "-sp1",
                     "-final", "-ga", ".Final", "-1", "-jre", "-android", "a1", "-m3"]))
_debian = st.builds(
    lambda epoch, up, tilde, rev: epoch + up + tilde + rev,
    st.sampled_from(["", "", "1:", "2:"]), _dotted(_num, 1, 3),
    st.sampled_from(["", "~rc1", "~beta", "+dfsg", "+b1", "~~", "a", "+git20200101"]),
    st.sampled_from(["", "-1", "-2", "-1ubuntu1", "-0+deb11u1", "-1~bpo1", "-10"]))
_rpm = st.builds(
    lambda epoch, up, rel: epoch + up + rel,
    st.sampled_from(["", "", "1:"]), _dotted(_num, 1, 3),
    st.sampled_from(["", "-1", "-1.el8", "-2.el9_1", "~rc1-1", "^git1-1", "-1.fc38"]))
_alpine = st.builds(
    lambda first, rest, letter, sufs, hash_, rev: first + "".join("." + r for r in rest)
    + letter + "".join(sufs) + hash_ + rev,
    _num, st.lists(_zero_num, max_size=3), st.sampled_from(["", "", "a", "b", "z"]),
    st.lists(st.builds(lambda s, n: f"_{s}{n}", st.sampled_from(
        ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"]),
        st.sampled_from(["", "0", "1", "2", "10"])), max_size=2),
    st.sampled_from(["", "", "~abc", "~1f"]), st.sampled_from(["", "-r0", "-r1", "-r2", "-r10"]))
_rubygems = st.builds(lambda rel, pre: rel + pre, _dotted(_num, 1, 4),
                      st.sampled_from(["", ".rc1", ".beta", ".pre.2", ".a"]))
_nuget = st.builds(lambda rel, pre: rel + pre, _dotted(_num, 1, 4),
                   st.sampled_from(["", "-beta", "-rc.1", "-alpha.2", "-preview1"]))
_go = st.one_of(_semver, st.builds(lambda a, b: f"0.0.0-{a}-{b}", st.sampled_from(
    ["20210101000000", "20220906165146", "20220906165147"]),
    st.sampled_from(["aaaaaaaaaaaa", "f3363e06e74c"])))

STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "PyPI": _pep440, "npm": _semver, "Maven": _maven, "Go": _go, "crates.io": _semver,
    "RubyGems": _rubygems, "NuGet": _nuget, "Debian": _debian, "Ubuntu": _debian,
    "Alpine": _alpine, "Packagist": _semver, "Hex": _semver, "Pub": _semver,
    "Red Hat": _rpm, "Rocky Linux": _rpm, "AlmaLinux": _rpm, "SUSE": _rpm, "openSUSE": _rpm,
}
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def test_every_parser_has_a_strategy() -> None:
    assert set(PARSERS) == set(STRATEGIES)


def _parsed(ecosystem: str, texts: list[str]) -> list[Any]:
    values = [parse_version(ecosystem, t) for t in texts]
    return [v for v in values if v is not None]


def _total_order(values: list[Any], texts: list[str]) -> None:
    for (a, ta), (b, tb) in combinations(zip(values, texts, strict=True), 2):
        answers = [bool(a < b), bool(a == b), bool(b < a)]
        assert sum(answers) == 1, (ta, tb, answers)
        assert bool(a <= b) == (answers[0] or answers[1]), ("<=", ta, tb)
        assert bool(a >= b) == (answers[2] or answers[1]), (">=", ta, tb)
        assert bool(a > b) == answers[2], (">", ta, tb)
    ordered = sorted(values)
    for i, j in combinations(range(len(ordered)), 2):
        assert not ordered[j] < ordered[i], (ordered[i], ordered[j])


@pytest.mark.parametrize("ecosystem", sorted(STRATEGIES))
def test_comparator_is_a_total_order(ecosystem: str) -> None:
    @SETTINGS
    @given(st.lists(STRATEGIES[ecosystem], min_size=2, max_size=4))
    def check(texts: list[str]) -> None:
        parsed = [(t, parse_version(ecosystem, t)) for t in texts]
        kept = [(t, v) for t, v in parsed if v is not None]
        _total_order([v for _, v in kept], [t for t, _ in kept])

    check()


@pytest.mark.parametrize("ecosystem", sorted(STRATEGIES))
def test_range_check_agrees_with_the_order(ecosystem: str) -> None:
    """introduced A, fixed B contains V exactly when A <= V < B in the ecosystem order."""
    @SETTINGS
    @given(STRATEGIES[ecosystem], STRATEGIES[ecosystem], STRATEGIES[ecosystem])
    def check(a: str, b: str, v: str) -> None:
        pa, pb, pv = (parse_version(ecosystem, t) for t in (a, b, v))
        if pa is None or pb is None or pv is None or not pa < pb:
            return
        spec = AffectedSpec.compile(ecosystem, "pkg", [], [
            {"type": "ECOSYSTEM", "events": [{"introduced": a}, {"fixed": b}]}])
        expected = not pv < pa and pv < pb
        assert (spec.match(v) is not None) is expected, (a, b, v)

    check()


# --- references -------------------------------------------------------------------------

def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def _cmp(a: Any, b: Any) -> int:
    return -1 if a < b else (1 if b < a else 0)


@SETTINGS
@given(_pep440, _pep440)
def test_pypi_agrees_with_packaging(a: str, b: str) -> None:
    va, vb = parse_version("PyPI", a), parse_version("PyPI", b)
    assert va is not None and vb is not None
    ra, rb = Pep440(a), Pep440(b)
    assert _cmp(va, vb) == _cmp(ra, rb), (a, b)


DPKG = shutil.which("dpkg")


def _dpkg_cmp(a: str, b: str) -> int:
    assert DPKG is not None, "dpkg is part of the test system (scripts/system-deps.sh)"
    for op, result in (("lt", -1), ("eq", 0)):
        if subprocess.run([DPKG, "--compare-versions", a, op, b], check=False).returncode == 0:
            return result
    return 1


@settings(SETTINGS, max_examples=120)
@given(_debian, _debian)
def test_debian_agrees_with_dpkg(a: str, b: str) -> None:
    va, vb = parse_version("Debian", a), parse_version("Debian", b)
    if va is None or vb is None:
        return
    assert _cmp(va, vb) == _dpkg_cmp(a, b), (a, b)


# apk's documented rules as a token walk (independent of vulns.apk_version's sort key):
# number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}
_PRE = ["alpha", "beta", "pre", "rc"]
_POST = ["cvs", "svn", "git", "hg", "p"]


def _apk_tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    i, n = 0, len(text)

    def digits(j: int) -> int:
        while j < n and text[j].isdigit():
            j += 1
        return j

    j = digits(0)
    tokens.append(("num", (1, int(text[:j]))))
    i = j
    while i < n and text[i] == ".":
        j = digits(i + 1)
        part = text[i + 1:j]
        tokens.append(("num", (0, part) if part.startswith("0") else (1, int(part))))
        i = j
    if i < n and text[i].isalpha():
        tokens.append(("letter", text[i]))
        i += 1
    while i < n and text[i] == "_":
        j = i + 1
        while j < n and text[j].isalpha():
            j += 1
        name = text[i + 1:j]
        k = digits(j)
        tokens.append(("suffix", name))
        tokens.append(("suffix_no", int(text[j:k]) if k > j else -1))
        i = k
    if i < n and text[i] == "~":
        j = i + 1
        while j < n and text[j] in "0123456789abcdef":
            j += 1
        tokens.append(("hash", text[i + 1:j]))
        i = j
    if text.startswith("-r", i):
        tokens.append(("rev", int(text[i + 2:])))
    return tokens


_SUFFIXES = [*_PRE, "", *_POST]
_ORDER = ["num", "letter", "suffix", "suffix_no", "hash", "rev", "end"]


def _apk_cmp(a: str, b: str) -> int:
    ta, tb = [*_apk_tokens(a), ("end", None)], [*_apk_tokens(b), ("end", None)]
    for (ka, va), (kb, vb) in zip(ta, tb, strict=False):
        if ka == kb:
            if ka == "end":
                return 0
            if ka == "suffix":
                va, vb = _SUFFIXES.index(va), _SUFFIXES.index(vb)
            if va != vb:
                return -1 if va < vb else 1
            continue
        # Different kinds at one position: a pre-release suffix is below anything;
        # otherwise the part earlier in the format wins (1.0.1 > 1.0a > 1.0_p1 > 1.0-r1
        # > 1.0).
        if ka == "suffix" and va in _PRE:
            return -1
        if kb == "suffix" and vb in _PRE:
            return 1
        return -1 if _ORDER.index(ka) > _ORDER.index(kb) else 1
    return 0


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("10.4.25_rc1-r0", "10.4.25-r0", -1), ("1.0_alpha", "1.0_beta", -1),
    ("1.0_rc1", "1.0", -1), ("1.0", "1.0_p1", -1), ("1.0_p1", "1.0.1", -1),
    ("1.0", "1.0a", -1), ("1.0a", "1.0.1", -1), ("1.0-r1", "1.0-r2", -1),
    ("1.0", "1.0-r0", -1), ("1.0_cvs", "1.0_svn", -1), ("1.0_hg", "1.0_p", -1),
    ("1.0_rc", "1.0_rc0", -1), ("2.9", "2.10", -1), ("1.01", "1.1", -1),
    ("1.0-r1", "1.0_p1", -1), ("1.2.3", "1.2.3", 0),
])
def test_apk_reference_follows_the_documented_rules(a: str, b: str, expected: int) -> None:
    assert _apk_cmp(a, b) == expected
    assert _apk_cmp(b, a) == -expected


@settings(SETTINGS, max_examples=400)
@given(_alpine, _alpine)
def test_alpine_agrees_with_apk_rules(a: str, b: str) -> None:
    va, vb = parse_version("Alpine", a), parse_version("Alpine", b)
    assert va is not None and vb is not None, (a, b)
    assert _cmp(va, vb) == _apk_cmp(a, b), (a, b)


def test_alpine_pre_release_below_the_fix_is_affected() -> None:
    spec = AffectedSpec.compile("Alpine:v3.16", "mariadb", [], [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "10.4.25-r0"}]}])
    assert spec.match("10.4.25_rc1-r0") is not None
    assert spec.match("10.4.25-r0") is None
    assert _parsed("Alpine", ["10.4.25_rc1-r0"])
