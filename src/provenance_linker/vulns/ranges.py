"""Affected-version matching: OSV `ranges` and `versions`, in each ecosystem's own order.

Versions are compared with a well-kept library per ecosystem: `packaging` (PEP 440)
for PyPI, `univers` for most others, and our own `apk_version` for Alpine (univers'
Alpine order contradicts itself). Only `<` and `==` of a parsed version are used, never
`<=`/`>=`: a property test (tests/unit/test_version_order_properties.py) holds every
parser to a total order, and the range walk must not depend on a comparator whose
`<=` disagrees with its `<`. SemVer build metadata (`+…`) is dropped before parsing,
as SemVer precedence ignores it (univers orders it neither below, equal nor above).
Events of a range are pre-parsed once
(`AffectedSpec.compile`), so matching a package version is a walk over a short sorted
list. A version that cannot be parsed in its ecosystem never matches a range (the
explicit `versions` list still matches it by exact text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from packaging.version import InvalidVersion
from packaging.version import Version as Pep440Version
from univers import versions as uv

from .apk_version import ApkVersion

# Comparable version objects; univers and packaging both order with < and ==.
Parsed = Any
Parser = Callable[[str], Parsed]


def _pypi(text: str) -> Parsed:
    return Pep440Version(text)


def _without_build(text: str) -> str:
    return text.split("+", 1)[0]


def _go(text: str) -> Parsed:
    text = _without_build(text)
    return uv.GolangVersion(text if text.startswith("v") else "v" + text)


def _semver_family(cls: type[uv.Version]) -> Parser:
    def parse(text: str) -> Parsed:
        return cls(_without_build(text))

    return parse


def _univers(cls: type[uv.Version]) -> Parser:
    def parse(text: str) -> Parsed:
        return cls(text)

    return parse


# OSV base ecosystem (the part before ':') -> version parser.
PARSERS: dict[str, Parser] = {
    "PyPI": _pypi,
    "npm": _semver_family(uv.SemverVersion),
    "Maven": _univers(uv.MavenVersion),
    "Go": _go,
    "crates.io": _semver_family(uv.SemverVersion),
    "RubyGems": _univers(uv.RubygemsVersion),
    "NuGet": _univers(uv.NugetVersion),
    "Debian": _univers(uv.DebianVersion),
    "Ubuntu": _univers(uv.DebianVersion),
    "Alpine": ApkVersion,
    "Packagist": _semver_family(uv.ComposerVersion),
    "Hex": _semver_family(uv.SemverVersion),
    "Pub": _semver_family(uv.SemverVersion),
    "Red Hat": _univers(uv.RpmVersion),
    "Rocky Linux": _univers(uv.RpmVersion),
    "AlmaLinux": _univers(uv.RpmVersion),
    "SUSE": _univers(uv.RpmVersion),
    "openSUSE": _univers(uv.RpmVersion),
}
_SEMVER: Parser = _semver_family(uv.SemverVersion)


def base_ecosystem(ecosystem: str) -> str:
    """'Debian:7' -> 'Debian', 'Alpine:v3.16' -> 'Alpine'."""
    return ecosystem.split(":", 1)[0].strip()


def parser_for(ecosystem: str, range_type: str = "ECOSYSTEM") -> Parser | None:
    base = base_ecosystem(ecosystem)
    if range_type == "SEMVER":
        return _go if base == "Go" else _SEMVER
    return PARSERS.get(base)


@lru_cache(maxsize=1_048_576)
def parse_version(ecosystem: str, text: str, range_type: str = "ECOSYSTEM") -> Parsed | None:
    """The version as an ordered object of its ecosystem, or None if it is not one."""
    parser = parser_for(ecosystem, range_type)
    if parser is None or not text:
        return None
    try:
        return parser(text.strip())
    except (InvalidVersion, ValueError, TypeError, AttributeError, IndexError):
        return None


def normalize_version_text(ecosystem: str, text: str) -> str:
    """Text form used to compare against explicit `versions` lists."""
    value = text.strip()
    if base_ecosystem(ecosystem) == "Go":
        value = value.removeprefix("v")
    return value


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # introduced | fixed | last_affected | limit
    text: str
    version: Parsed | None  # None for introduced "0" (before everything)


@dataclass(frozen=True, slots=True)
class CompiledRange:
    type: str  # SEMVER | ECOSYSTEM | GIT
    events: tuple[Event, ...]  # sorted (GIT: as written)
    repo: str | None = None

    @property
    def catch_all(self) -> bool:
        """introduced 0 and nothing after: 'every version'."""
        return all(e.kind == "introduced" and e.version is None for e in self.events)

    def contains(self, version: Parsed) -> bool:
        # Only `<` of the parsed versions: "event <= version" is "not version < event".
        affected = False
        for event in self.events:
            if event.kind == "introduced":
                if event.version is None or not version < event.version:
                    affected = True
                else:
                    break
            elif event.kind in ("fixed", "limit"):
                if not version < event.version:
                    affected = False
                else:
                    break
            elif event.kind == "last_affected":
                if event.version < version:
                    affected = False
                else:
                    break
        return affected

    def fixed_versions(self) -> list[str]:
        return [e.text for e in self.events if e.kind == "fixed"]

    def git_verdict(self, commit: str) -> bool | None:
        """Without the repository's history only the event commits themselves are known:
        an introduced or last_affected commit is affected, a fixed commit is not."""
        for event in self.events:
            if event.text == commit:
                return event.kind != "fixed"
        return None


class RangeError(ValueError):
    pass


def compile_range(ecosystem: str, raw: Mapping[str, Any]) -> CompiledRange | None:
    """Pre-parse one OSV range; None when its versions cannot be ordered here."""
    type_ = str(raw.get("type", "")).upper()
    events_raw = raw.get("events") or []
    repo = raw.get("repo")
    if type_ == "GIT":
        return CompiledRange("GIT", tuple(
            Event(k, str(v), None) for e in events_raw for k, v in e.items()), repo)
    if type_ not in ("SEMVER", "ECOSYSTEM"):
        return None
    events: list[Event] = []
    for entry in events_raw:
        for kind, text in entry.items():
            if kind not in ("introduced", "fixed", "last_affected", "limit"):
                continue
            text = str(text)
            if kind == "introduced" and text == "0":
                events.append(Event(kind, text, None))
                continue
            if kind == "limit" and text == "*":
                continue
            parsed = parse_version(ecosystem, text, type_)
            if parsed is None:
                return None
            events.append(Event(kind, text, parsed))
    try:
        events.sort(key=_SortKey)
    except TypeError:
        return None
    return CompiledRange(type_, tuple(events), repo)


class _SortKey:
    """Sort events by version; introduced 0 first; at equal versions a closing event
    comes before an opening one so `fixed: X, introduced: X` reopens at X."""

    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event = event

    def __lt__(self, other: _SortKey) -> bool:
        a, b = self.event, other.event
        if a.version is None or b.version is None:
            return a.version is None and b.version is not None
        if a.version == b.version:
            return a.kind != "introduced" and b.kind == "introduced"
        return cast(bool, a.version < b.version)


# Said wherever a record's catch-all range was set aside for its explicit versions list.
CATCH_ALL_NOT_APPLIED = (
    "the record also claims every version (a range introduced at 0 with no end), but it "
    "lists exact versions: only the listed versions are matched, since such records are "
    "usually narrowed to the compromised releases and keep a stale catch-all range")


@dataclass(frozen=True, slots=True)
class Verdict:
    affected: bool
    reason: str  # "versions" | "range" | "git"
    range: dict[str, Any] | None = None  # the matched range as written
    fixed: tuple[str, ...] = ()
    catch_all_ignored: bool = False  # the entry's catch-all range was set aside


@dataclass(frozen=True, slots=True)
class AffectedSpec:
    """One `affected[]` entry, ready to match versions of its package."""

    ecosystem: str  # as written ("Debian:7")
    name: str  # normalized package name
    versions: frozenset[str]
    ranges: tuple[CompiledRange, ...]
    raw_ranges: tuple[dict[str, Any], ...]
    catch_all_ignored: bool = False  # a catch-all range set aside for `versions`

    @classmethod
    def compile(cls, ecosystem: str, name: str, versions: Sequence[str],
                ranges: Sequence[Mapping[str, Any]]) -> AffectedSpec:
        compiled: list[CompiledRange] = []
        raws: list[dict[str, Any]] = []
        for raw in ranges:
            c = compile_range(ecosystem, raw)
            if c is not None:
                compiled.append(c)
                raws.append(dict(raw))
        listed = frozenset(normalize_version_text(ecosystem, v) for v in versions)
        ignored = False
        if listed:
            # Trust an explicit list over a catch-all range (see CATCH_ALL_NOT_APPLIED);
            # without a list the catch-all range applies.
            keep = [i for i, c in enumerate(compiled) if not c.catch_all]
            ignored = len(keep) < len(compiled)
            compiled = [compiled[i] for i in keep]
            raws = [raws[i] for i in keep]
        return cls(ecosystem, name, listed, tuple(compiled), tuple(raws), ignored)

    def fixed(self) -> tuple[str, ...]:
        out: list[str] = []
        for r in self.ranges:
            if r.type != "GIT":
                out += [f for f in r.fixed_versions() if f not in out]
        return tuple(out)

    def match(self, version: str, commit: str | None = None) -> Verdict | None:
        text = normalize_version_text(self.ecosystem, version) if version else ""
        if text and text in self.versions:
            return Verdict(True, "versions", None, self.fixed(), self.catch_all_ignored)
        for raw, compiled in zip(self.raw_ranges, self.ranges, strict=True):
            if compiled.type == "GIT":
                if commit and compiled.git_verdict(commit):
                    return Verdict(True, "git", raw, ())
                continue
            if not text:
                continue
            parsed = parse_version(self.ecosystem, text, compiled.type)
            if parsed is None:
                continue
            try:
                hit = compiled.contains(parsed)
            except TypeError:
                hit = False
            if hit:
                return Verdict(True, "range", raw, tuple(compiled.fixed_versions()),
                               self.catch_all_ignored)
        return None
