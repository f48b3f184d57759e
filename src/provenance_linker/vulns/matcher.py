"""Matching packages to advisories, both ways, without rescanning.

The graph keeps, per affected package name, an *anchor*: the version-less Package node
of that name (key: a purl without version, `anchor_key`) with an
`AFFECTED_BY {anchor: true, entries: [...]}` edge to the advisory carrying the ranges.
A new SBOM looks up the anchors of its package names in one batched read; a new
advisory finds packages through the (kind, props.name) index. `AdvisoryIndex` is the
same matching held in memory, grouped by (ecosystem, name), for bulk use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from ..formats.osv import OsvRecord
from ..purls import ECOSYSTEM_OF_TYPE, PurlError, parse_purl
from .ranges import CATCH_ALL_NOT_APPLIED, AffectedSpec, Verdict, base_ecosystem

TYPE_OF_ECOSYSTEM: dict[str, str] = {eco: t for t, eco in ECOSYSTEM_OF_TYPE.items()}
TYPE_OF_ECOSYSTEM["Ubuntu"] = "deb"
_COMMIT = re.compile(r"[0-9a-f]{40}")
# names compared case-insensitively in these ecosystems (Go: see purls.identity)
_CASE_INSENSITIVE = {"NuGet", "Go"}
_DISTRO_NAMESPACE = {"Debian": "debian", "Ubuntu": "ubuntu", "Alpine": "alpine"}
_SLASHED = {"golang", "composer", "swift", "github", "generic"}


def match_name(ecosystem: str, name: str) -> str:
    base = base_ecosystem(ecosystem)
    return name.lower() if base in _CASE_INSENSITIVE else name


@lru_cache(maxsize=262_144)
def anchor_key(ecosystem: str, name: str) -> str:
    """The version-less purl standing for every version of (ecosystem, name)."""
    base = base_ecosystem(ecosystem)
    type_ = TYPE_OF_ECOSYSTEM.get(base, "generic")
    name = match_name(base, name)
    namespace: str | None = None
    if type_ == "maven" and ":" in name:
        namespace, name = name.split(":", 1)
    elif type_ == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif type_ in _DISTRO_NAMESPACE.values() or type_ in ("deb", "apk"):
        namespace = _DISTRO_NAMESPACE.get(base)
    elif type_ in _SLASHED and "/" in name:
        namespace, name = name.rsplit("/", 1)
    if type_ == "generic" and base not in TYPE_OF_ECOSYSTEM:
        namespace = f"osv-{base.lower().replace(' ', '-')}/{namespace}" if namespace \
            else f"osv-{base.lower().replace(' ', '-')}"
    # Built by hand (percent-encoded like packageurl-python's canonical form): this runs
    # for every package of every SBOM.
    path = f"{quote(namespace, safe='/')}/{quote(name, safe='')}" if namespace \
        else quote(name, safe="")
    return f"pkg:{type_}/{path}"


def commit_of(props: Mapping[str, Any]) -> str | None:
    commit = props.get("commit")
    if isinstance(commit, str) and commit:
        return commit.lower()
    version = str(props.get("version") or "")
    return version.lower() if _COMMIT.fullmatch(version.lower()) else None


def release_of_purl(purl: str, props: Mapping[str, Any] | None = None) -> str | None:
    """The distribution release a deb/apk/rpm package names (`distro=alpine-3.16.2` ->
    '3.16.2'), if any: from its purl, else from the qualifiers kept on the Package node
    (`distro` is not part of the package key)."""
    try:
        distro = parse_purl(purl).qualifiers.get("distro")
    except PurlError:
        distro = None
    if not distro and props is not None:
        kept = props.get("qualifiers")
        distro = kept.get("distro") if isinstance(kept, Mapping) else None
    if not isinstance(distro, str) or not distro:
        return None
    text = distro.lower().rsplit("-", 1)[-1]
    return text.removeprefix("v") or None


def release_applies(ecosystem: str, release: str | None) -> bool:
    """Does an entry for 'Alpine:v3.16' apply to a package from release '3.16.2'? Entries
    without a release, and packages without one, always apply."""
    _, _, wanted = ecosystem.partition(":")
    wanted = wanted.strip().lower().removeprefix("v")
    if not wanted or not release:
        return True
    return release == wanted or release.startswith(wanted + ".")


def entry_props(ecosystem: str, versions: Sequence[str],
                ranges: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"ecosystem": ecosystem, "versions": list(versions),
            "ranges": [dict(r) for r in ranges]}


def spec_from_props(name: str, entry: Mapping[str, Any]) -> AffectedSpec:
    return AffectedSpec.compile(str(entry.get("ecosystem", "")), name,
                                list(entry.get("versions") or []),
                                list(entry.get("ranges") or []))


def record_entries(record: OsvRecord) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Affected entries grouped by (base ecosystem, match name)."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a in record.affected:
        base = base_ecosystem(a.ecosystem)
        grouped.setdefault((base, match_name(base, a.name)), []).append(
            entry_props(a.ecosystem, a.versions, a.ranges))
    return grouped


@dataclass(frozen=True, slots=True)
class Match:
    vuln_id: str
    verdict: Verdict
    ecosystem: str  # the advisory's ecosystem as written

    def edge_props(self, version: str) -> dict[str, Any]:
        props = {"ecosystem": self.ecosystem, "version": version,
                 "reason": self.verdict.reason, "range": self.verdict.range,
                 "fixed": list(self.verdict.fixed)}
        if self.verdict.catch_all_ignored:
            props["all_versions_claim"] = CATCH_ALL_NOT_APPLIED
        return props


def match_entries(specs: Iterable[tuple[str, AffectedSpec]], version: str,
                  commit: str | None = None, release: str | None = None) -> Iterator[Match]:
    """The first matching entry per advisory (entries of other releases skipped)."""
    seen: set[str] = set()
    for vuln_id, spec in specs:
        if vuln_id in seen or not release_applies(spec.ecosystem, release):
            continue
        verdict = spec.match(version, commit)
        if verdict is not None:
            seen.add(vuln_id)
            yield Match(vuln_id, verdict, spec.ecosystem)


class AdvisoryIndex:
    """Pre-compiled advisories grouped by (base ecosystem, name), held in memory."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], list[tuple[str, AffectedSpec]]] = {}
        self.advisories = 0

    def add(self, record: OsvRecord) -> None:
        if record.withdrawn:
            return
        self.advisories += 1
        for (base, name), entries in record_entries(record).items():
            bucket = self._specs.setdefault((base, name), [])
            bucket.extend((record.id, spec_from_props(name, e)) for e in entries)

    def match(self, ecosystem: str, name: str, version: str,
              commit: str | None = None) -> list[Match]:
        base = base_ecosystem(ecosystem)
        specs = self._specs.get((base, match_name(base, name)))
        if not specs:
            return []
        return list(match_entries(specs, version, commit))
