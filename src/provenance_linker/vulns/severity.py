"""Severity of an advisory: CVSS vectors scored with the `cvss` library, else a label.

Order of preference: the highest-versioned CVSS vector in `severity[]` (v4, v3.x, v2),
then per-package `affected[].severity`, then an ecosystem's label
(`database_specific.severity`, `affected[].ecosystem_specific.severity`, …).
The result records where it came from (`severity_source`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

LEVELS = ("none", "low", "medium", "high", "critical")
RANK = {name: i for i, name in enumerate(LEVELS)}

# Labels used by advisory databases -> our level.
_LABELS = {
    "none": "none", "negligible": "low", "unimportant": "low", "low": "low",
    "moderate": "medium", "medium": "medium", "important": "high", "high": "high",
    "critical": "critical",
}


@dataclass(frozen=True, slots=True)
class Severity:
    level: str | None  # one of LEVELS, or None when nothing says
    source: str | None  # "cvss_v3", "database_specific", …
    vector: str | None = None
    score: float | None = None
    cvss_version: str | None = None

    def as_props(self) -> dict[str, Any]:
        return {"severity": self.level, "severity_source": self.source,
                "cvss_vector": self.vector, "cvss_score": self.score,
                "cvss_version": self.cvss_version}


def level_of_score(score: float) -> str:
    """CVSS v3/v4 qualitative ratings (also used for v2 scores)."""
    if score <= 0.0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def score_vector(kind: str, vector: str) -> Severity | None:
    """Score one OSV severity entry (type CVSS_V2 / CVSS_V3 / CVSS_V4)."""
    vector = vector.strip()
    try:
        if kind == "CVSS_V4" or vector.startswith("CVSS:4"):
            c4 = CVSS4(vector)
            score = float(c4.base_score)
            return Severity(level_of_score(score), "cvss_v4", vector, score, "4.0")
        if kind == "CVSS_V3" or vector.startswith("CVSS:3"):
            c3 = CVSS3(vector)
            score = float(c3.scores()[0])
            version = vector.split("/", 1)[0].removeprefix("CVSS:")
            return Severity(level_of_score(score), "cvss_v3", vector, score, version)
        if kind == "CVSS_V2":
            c2 = CVSS2(vector)
            score = float(c2.scores()[0])
            return Severity(level_of_score(score), "cvss_v2", vector, score, "2.0")
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


_PREFERENCE = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}


def _best_vector(entries: Iterable[Mapping[str, Any]]) -> Severity | None:
    scored: list[tuple[int, float, Severity]] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        kind = str(entry.get("type", ""))
        score = entry.get("score")
        if kind in _PREFERENCE and isinstance(score, str):
            result = score_vector(kind, score)
            if result is not None:
                scored.append((_PREFERENCE[kind], result.score or 0.0, result))
    if not scored:
        return None
    return max(scored, key=lambda t: (t[0], t[1]))[2]


def label_level(value: Any) -> str | None:
    if isinstance(value, str):
        return _LABELS.get(value.strip().lower())
    return None


def assess(record: Mapping[str, Any]) -> Severity:
    """The severity of an OSV record (a JSON object)."""
    best = _best_vector(record.get("severity") or [])
    if best is not None:
        return best
    affected: Sequence[Any] = record.get("affected") or []
    per_package = [e for a in affected if isinstance(a, Mapping)
                   for e in (a.get("severity") or [])]
    best = _best_vector(per_package)
    if best is not None:
        return best
    db = record.get("database_specific")
    if isinstance(db, Mapping) and (level := label_level(db.get("severity"))):
        return Severity(level, "database_specific")
    labels: list[tuple[str, str]] = []
    for a in affected:
        if not isinstance(a, Mapping):
            continue
        for section in ("ecosystem_specific", "database_specific"):
            block = a.get(section)
            if isinstance(block, Mapping) and (level := label_level(block.get("severity"))):
                labels.append((level, f"affected.{section}"))
        for entry in a.get("severity") or []:
            if isinstance(entry, Mapping) and (level := label_level(entry.get("score"))):
                labels.append((level, "affected.severity"))
    if labels:
        level, source = max(labels, key=lambda t: RANK[t[0]])
        return Severity(level, source)
    return Severity(None, None)


def at_least(level: str | None, minimum: str | None) -> bool:
    if minimum is None:
        return True
    return level is not None and RANK.get(level, -1) >= RANK[minimum]
