"""The explorer part of `provenance-linker demo`: two more images on the shared base
image, a staging cluster beside production, and one VEX triage statement, so that the
advisory pages draw a real blast radius (advisory → packages → images and base image →
workloads in two environments). Ends with the explorer's URL and how to open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ..access import tokens
from ..demo.samples import GeneratedSbom, cyclonedx_sbom
from ..documents import Limits
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from ..queries.blast_radius import blast_radius
from ..queries.reports_vex import OPENVEX_CONTEXT, artifact_purl
from ..store.interface import GraphStore
from .files import read_document
from .output import console

EXPLORER_PORT = 8080


def explorer_images(base: GeneratedSbom) -> list[GeneratedSbom]:
    return [cyclonedx_sbom("registry.acme.test/checkout/worker:3.1.0", 60, seed=4,
                           base_image=base),
            cyclonedx_sbom("registry.acme.test/search/indexer:0.9.0", 48, seed=5,
                           base_image=base)]


def _deployment(name: str, namespace: str, image: str, environment: str,
                team: str) -> dict[str, Any]:
    labels = {"app": name, "environment": environment, "team": team}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": labels},
                     "spec": {"containers": [{"name": name, "image": image}]}}}}


def _pinned(image: GeneratedSbom) -> str:
    return f"{image.name.rsplit(':', 1)[0]}@{image.digest}"


def staging_cluster(images: list[GeneratedSbom]) -> dict[str, Any]:
    """Every application image in staging; the new worker in production too."""
    _, api, web, worker, indexer = images
    items = [_deployment("payments-api", "payments", _pinned(api), "staging", "payments"),
             _deployment("storefront-web", "storefront", _pinned(web), "staging", "web"),
             _deployment("checkout-worker", "checkout", _pinned(worker), "staging", "checkout"),
             _deployment("search-indexer", "search", _pinned(indexer), "staging", "search")]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def production_additions(images: list[GeneratedSbom]) -> dict[str, Any]:
    worker = images[3]
    return {"apiVersion": "v1", "kind": "List", "items": [
        _deployment("checkout-worker", "checkout", _pinned(worker), "production", "checkout")]}


def triage_vex(indexer: GeneratedSbom) -> dict[str, Any]:
    return {"@context": OPENVEX_CONTEXT, "@id": "urn:provenance-linker:demo:vex-1",
            "author": "security@acme.test", "timestamp": "2026-11-02T09:00:00Z", "version": 1,
            "statements": [{
                "vulnerability": {"name": "DEMO-2026-0001"},
                "products": [{"@id": artifact_purl(indexer.digest, indexer.name)}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path",
                "impact_statement": "the indexer never formats user input with lookups"}]}


def demo_explorer(store: GraphStore, images: list[GeneratedSbom], out: Path,
                  db_url: str) -> None:
    linker = Linker(store)
    console.rule("[bold]More images, a staging cluster and a triage statement")
    extra = explorer_images(images[0])
    for image in extra:
        path = out / f"{image.name.rsplit('/', 1)[-1].replace(':', '_')}.cdx.json"
        path.write_bytes(orjson.dumps(image.document, option=orjson.OPT_INDENT_2))
        linker.ingest(read_document(path, Limits()), IngestOptions())
        console.print(f"ingested {path}", highlight=False)
    everything = [*images, *extra]
    for name, doc, cluster in (
            ("cluster-staging.k8s.json", staging_cluster(everything), "stage-eu"),
            ("cluster-production-2.k8s.json", production_additions(everything), "prod-us")):
        path = out / name
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        linker.ingest(read_document(path, Limits()), IngestOptions(cluster=cluster))
        console.print(f"ingested {path}", highlight=False)
    path = out / "triage.openvex.json"
    path.write_bytes(orjson.dumps(triage_vex(extra[1]), option=orjson.OPT_INDENT_2))
    linker.ingest(read_document(path, Limits()), IngestOptions())
    console.print(f"ingested {path}", highlight=False)
    radius = blast_radius(store, "CVE-2021-44228")["summary"]
    console.print(f"CVE-2021-44228 now reaches {radius['artifacts']} artifacts and "
                  f"{radius['deployments']} workloads in {', '.join(radius['environments'])}",
                  highlight=False)
    token, _ = tokens.create(store, tokens.Role.READER, "demo-reader", actor="demo")
    url = f"http://127.0.0.1:{EXPLORER_PORT}/ui/advisory?id=CVE-2021-44228"
    console.rule("[bold]Explorer")
    console.print(f"Explorer: {url}", highlight=False, soft_wrap=True)
    console.print(f"Sign in with the demo reader token: {token}", highlight=False,
                  soft_wrap=True)
    console.print("Open it: .venv/bin/provenance-linker --db " + db_url + " serve --port "
                  f"{EXPLORER_PORT} & sleep 3 && xdg-open '{url}'", highlight=False,
                  soft_wrap=True)
