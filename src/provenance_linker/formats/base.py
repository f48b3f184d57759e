"""Normalized SBOM records: what every SBOM parser returns (no I/O, no store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Component:
    ref: str  # document-local id (bom-ref, SPDXID)
    name: str
    version: str | None = None
    purl: str | None = None  # as written; canonicalized by the linker
    group: str | None = None
    type: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()  # (algorithm as "SHA-256", lowercase hex)
    licenses: tuple[str, ...] = ()
    cpe: str | None = None
    supplier: str | None = None
    parent_ref: str | None = None  # nesting (CycloneDX components in components)

    def hash_of(self, algorithm: str) -> str | None:
        for alg, value in self.hashes:
            if alg == algorithm:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Subject:
    """What the SBOM describes, as far as the document says."""

    ref: str | None
    name: str | None
    version: str | None = None
    purl: str | None = None
    digests: tuple[str, ...] = ()  # sha256:<hex>
    type: str | None = None


@dataclass(slots=True)
class SbomRecord:
    format: str
    spec_version: str
    serial: str | None = None
    name: str | None = None
    created: str | None = None
    tools: list[str] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    dependencies: list[tuple[str, str]] = field(default_factory=list)  # (ref, depends-on ref)
    dependency_entries: int = 0
    contains: list[tuple[str, str]] = field(default_factory=list)  # (parent ref, child ref)
    warnings: list[str] = field(default_factory=list)
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)  # raw VEX entries
    counts: dict[str, int] = field(default_factory=dict)  # document elements (SPDX files…)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
