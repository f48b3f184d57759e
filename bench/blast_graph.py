"""The blast-radius benchmark graph, shared by bench_vulns.py and bench_neo4j.py.

20 base images and N application images of P packages each (every tenth app on the
base image that carries the vulnerable package, every hundredth app carrying it
directly), one Deployment per app in `production`, and one advisory for the package.
The same seed gives the same content on every backend.
"""

from __future__ import annotations

import random
from typing import Any

import orjson

from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store.interface import GraphStore

VULNERABLE = "pkg:npm/vulnerable-lib@1.2.3"


def sbom_document(name: str, digest: str, purls: list[str], rng: random.Random,
                  base: tuple[str, str] | None) -> bytes:
    comps: list[dict[str, Any]] = [{"type": "library", "bom-ref": p, "name": p, "purl": p}
                                   for p in purls]
    if base is not None:
        comps.append({"type": "container", "bom-ref": base[0], "name": "base",
                      "purl": base[0], "hashes": [{"alg": "SHA-256", "content": base[1][7:]}]})
    refs = [c["bom-ref"] for c in comps]
    deps = [{"ref": "root", "dependsOn": refs[:10] + ([refs[-1]] if base else [])}]
    for i, ref in enumerate(refs):
        later = refs[i + 1:]
        deps.append({"ref": ref, "dependsOn": sorted(set(rng.sample(later, min(2, len(later)))))
                     if later and rng.random() < 0.6 else []})
    repo, _, tag = name.rpartition(":")
    return orjson.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"timestamp": "2026-11-01T00:00:00Z", "component": {
            "type": "container", "bom-ref": "root", "name": repo, "version": tag,
            "hashes": [{"alg": "SHA-256", "content": digest[7:]}]}},
        "components": comps, "dependencies": deps})


def build_blast_graph(store: GraphStore, artifacts: int, packages: int, advisory_id: str,
                      rng: random.Random | None = None) -> None:
    rng = rng or random.Random(11)
    linker = Linker(store)
    pool = [f"pkg:npm/pool-{i}@1.{i % 7}.0" for i in range(max(packages * 10, 5000))]
    bases = []
    for b in range(20):
        digest = "sha256:" + f"{b:064x}"
        purls = rng.sample(pool, packages - 1) + ([VULNERABLE] if b == 0 else [])
        linker.ingest(load(sbom_document(f"reg.test/base-{b}:1", digest, purls, rng, None),
                           f"base-{b}"))
        bases.append((f"pkg:oci/base-{b}@{digest.replace(':', '%3A')}", digest))
    items = []
    for a in range(artifacts):
        digest = "sha256:" + f"{a + 1_000_000:064x}"
        purls = rng.sample(pool, packages - 1) + ([VULNERABLE] if a % 100 == 0 else [])
        base = bases[0] if a % 10 == 0 else bases[1 + a % 19]
        linker.ingest(load(sbom_document(f"reg.test/app-{a}:1", digest, purls, rng, base),
                           f"app-{a}"))
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": f"app-{a}", "namespace": "shop",
                                   "labels": {"environment": "production"}},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "app", "image": f"reg.test/app-{a}@{digest}"}]}}}})
    linker.ingest(load(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
                       "cluster.json"))
    advisory = {"id": advisory_id, "modified": "2026-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "npm", "name": "vulnerable-lib"},
                              "ranges": [{"type": "SEMVER", "events": [
                                  {"introduced": "0"}, {"fixed": "1.2.4"}]}]}]}
    linker.ingest(load(orjson.dumps(advisory), "advisory.json"))
