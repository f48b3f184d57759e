"""Seeds for fuzzing: every real document of the corpus (read in place) grouped by the
parser that reads it, plus documents generated here for formats the corpus lacks
(OpenVEX, cosign signature lines, DSSE-wrapped SLSA v1, kubectl JSON, OSV zip)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from provenance_linker.demo import samples as demo
from provenance_linker.demo import signing
from provenance_linker.documents import detect
from provenance_linker.errors import ProvenanceError

MAX_SEED_BYTES = 400_000  # larger documents make each example too slow to be useful


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    family: str

    @functools.cached_property
    def tree(self) -> Any:
        """The decoded JSON/YAML value, or None for XML, tag-value and binary seeds."""
        text = self.data.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except ValueError:
            pass
        try:
            return yaml.safe_load(text) if self.family.endswith("yaml") else None
        except yaml.YAMLError:
            return None


def _family(fmt: str, data: bytes) -> str:
    if fmt in ("in-toto-statement", "dsse") and b"slsa.dev/provenance" in data:
        return "slsa"
    return fmt


@functools.cache
def corpus_seeds(root: Path) -> tuple[Seed, ...]:
    seeds: list[Seed] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name in ("MANIFEST.tsv", "README.md"):
            continue
        data = path.read_bytes()
        if len(data) > MAX_SEED_BYTES:
            continue
        try:
            _, fmt, _ = detect(data, path.name)
        except ProvenanceError:
            continue
        seeds.append(Seed(str(path.relative_to(root)), data, _family(str(fmt), data)))
    return tuple(seeds)


@functools.cache
def generated_seeds() -> tuple[Seed, ...]:
    key = signing.generate_key()
    images = demo.demo_images()
    statement = demo.demo_provenance(images[0])
    openvex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/v1",
               "author": "fuzz", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
               "statements": [{"vulnerability": {"name": "CVE-2021-44228"},
                               "products": [{"@id": f"{images[0].name}@{images[0].digest}"}],
                               "status": "not_affected",
                               "justification": "vulnerable_code_not_present"}]}
    cluster = demo.demo_cluster(images)
    return (
        Seed("generated/openvex.json", json.dumps(openvex).encode(), "openvex"),
        Seed("generated/cosign.jsonl", signing.cosign_signature_line(
            key, images[0].name, images[0].digest) + b"\n", "cosign-signatures"),
        Seed("generated/slsa-v1.dsse.json", signing.dsse_envelope(key, statement), "slsa"),
        Seed("generated/slsa-v1.intoto.json", json.dumps(statement).encode(), "slsa"),
        Seed("generated/kubectl.json", json.dumps(cluster).encode(), "kubernetes"),
        Seed("generated/kubectl.yaml", yaml.safe_dump(cluster).encode(), "kubernetes"),
    )


def seeds_by_family(root: Path) -> dict[str, list[Seed]]:
    groups: dict[str, list[Seed]] = {}
    for seed in (*corpus_seeds(root), *generated_seeds()):
        groups.setdefault(seed.family, []).append(seed)
    return groups
