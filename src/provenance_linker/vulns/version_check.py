"""Versions that cannot be ordered in their ecosystem: counted and named, never silent.

Such a version never matches a range (only an exact `versions` entry), so a finding may
be missing. Ingest warns per ecosystem; `query vulns` lists them per artifact.
"""

from __future__ import annotations

from collections.abc import Iterable

from .ranges import PARSERS, base_ecosystem, parse_version

MAX_NAMED = 20  # packages named per ecosystem in one warning


def unparseable(packages: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """(purl, ecosystem, version) -> {ecosystem: [purl, …]} for versions that are not
    versions of an ecosystem we order (ecosystems without an order are left out)."""
    out: dict[str, list[str]] = {}
    for purl, ecosystem, version in packages:
        base = base_ecosystem(ecosystem)
        if not version or base not in PARSERS:
            continue
        if parse_version(base, version) is None:
            out.setdefault(base, []).append(purl)
    return {k: sorted(v) for k, v in sorted(out.items())}


def warnings_for(found: dict[str, list[str]]) -> list[str]:
    lines = []
    for ecosystem, purls in found.items():
        named = ", ".join(purls[:MAX_NAMED]) + (
            f" and {len(purls) - MAX_NAMED} more" if len(purls) > MAX_NAMED else "")
        lines.append(f"{len(purls)} {ecosystem} version(s) cannot be ordered, so no advisory "
                     f"range can match them (only exact listed versions): {named}")
    return lines


def summary_of(found: dict[str, list[str]]) -> dict[str, int]:
    return {ecosystem: len(purls) for ecosystem, purls in found.items()}
