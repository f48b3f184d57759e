"""Artifact keys are SHA-256 digests: algorithm plus exactly 64 hex digits, wherever
a document names one (OCI purls, component hashes, subjects, VEX products)."""

from __future__ import annotations

import json
import re

from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind
from provenance_linker.store import open_store

GOOD = "ab" * 32
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _bom(components: list[dict[str, object]], subject_hash: str) -> bytes:
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "container", "name": "reg.test/app",
                                   "hashes": [{"alg": "SHA-256", "content": subject_hash}]}},
        "components": components}).encode()


def test_malformed_digests_create_no_artifact(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    components = [
        {"type": "container", "name": "x", "purl": "pkg:docker/x@sha256:zz"},
        {"type": "container", "name": "y", "purl": "pkg:oci/y@sha256:" + "a" * 63},
        {"type": "library", "name": "z", "version": "1",
         "hashes": [{"alg": "SHA-256", "content": "0123"}]},
        {"type": "container", "name": "ok", "purl": f"pkg:docker/ok@sha256:{GOOD}"},
    ]
    Linker(store).ingest(load(_bom(components, "zz"), "bad-digests.cdx.json"))
    keys = [n.key for n in store.find(NodeKind.ARTIFACT, {}, 1000)]
    assert keys == [f"sha256:{GOOD}"]
    assert all(DIGEST.fullmatch(k) for k in keys)
