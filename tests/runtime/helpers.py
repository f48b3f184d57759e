"""Small builders for runtime tests: Kubernetes objects, clocks, ingest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from provenance_linker.documents import load
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import IngestReport, Linker
from provenance_linker.store.interface import GraphStore


def digest_of(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("/".join(parts).encode()).hexdigest()


class Clock:
    """A clock the test moves forward by hand."""

    def __init__(self, start: str = "2026-12-01T10:00:00+00:00") -> None:
        self.now = datetime.fromisoformat(start)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 10) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


def deployment(name: str, namespace: str, image: str, replicas: int = 2) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": name, "image": image}]}}}}


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": list(items)}


def ingest(store: GraphStore, obj: Any, name: str, clock: Callable[[], datetime] | None = None,
           **options: Any) -> IngestReport:
    return Linker(store, clock=clock or (lambda: datetime.now(UTC))).ingest(
        load(orjson.dumps(obj), name), IngestOptions(**options))


def sbom(name: str, version: str, digest: str, purls: list[str],
         created: str = "2026-11-01T00:00:00Z") -> dict[str, Any]:
    """A CycloneDX SBOM describing the image `digest`."""
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"timestamp": created, "component": {
                "type": "container", "bom-ref": "root", "name": name, "version": version,
                "hashes": [{"alg": "SHA-256", "content": digest[7:]}]}},
            "components": [{"type": "library", "bom-ref": p,
                            "name": p.split("/")[-1].split("@")[0], "purl": p}
                           for p in purls],
            "dependencies": [{"ref": "root", "dependsOn": purls}]}


def publish(store: GraphStore, clock: Callable[[], datetime], key: Any, name: str,
            digest: str, purls: list[str]) -> None:
    """An image as a pipeline publishes it: SBOM plus a signed SLSA attestation."""
    from provenance_linker.demo.signing import dsse_envelope, slsa_provenance

    ingest(store, sbom(name, "1.0", digest, purls), f"{digest[7:19]}.cdx.json", clock)
    statement = slsa_provenance([(name, digest)], builder_id="https://ci.acme.test/b",
                                repository="https://git.acme.test/app", commit="a" * 40,
                                ref="refs/heads/main", invocation_id=digest[7:23])
    Linker(store, clock=clock).ingest(load(dsse_envelope(key, statement),
                                           f"{digest[7:19]}.dsse.json"), IngestOptions())


def mal_record(ident: str, ecosystem: str, package: str, version: str) -> dict[str, Any]:
    return {"id": ident, "modified": "2026-12-01T00:00:00Z", "summary": "malicious code",
            "affected": [{"package": {"ecosystem": ecosystem, "name": package},
                          "versions": [version]}]}


def log_events(text: str, event: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if record.get("event") == event:
                out.append(record)
    return out
