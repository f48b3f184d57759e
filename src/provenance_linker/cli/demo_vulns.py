"""The vulnerability part of `provenance-linker demo`: advisories, a cluster snapshot,
and a blast radius through the base image into production."""

from __future__ import annotations

from pathlib import Path

import orjson

from ..demo.samples import GeneratedSbom, demo_advisories, demo_cluster
from ..documents import Limits
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from ..queries.blast_radius import blast_radius
from ..store.interface import GraphStore
from .files import read_document
from .output import console
from .query_vulns import render_blast_radius


def demo_vulnerabilities(store: GraphStore, images: list[GeneratedSbom], out: Path,
                         db_url: str) -> None:
    linker = Linker(store)
    console.rule("[bold]Advisories and the production cluster")
    advisories = demo_advisories(images)
    for record in advisories:
        path = out / f"{record['id']}.osv.json"
        path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
        report = linker.ingest(read_document(path, Limits()), IngestOptions())
        s = report.summary
        console.print(f"ingested {path} — {s['id']}: {s.get('severity') or 'unrated'}"
                      f"{', malicious' if s['malicious'] else ''}, "
                      f"{s['matched_packages']} matching packages", highlight=False)
    path = out / "cluster-production.k8s.json"
    path.write_bytes(orjson.dumps(demo_cluster(images), option=orjson.OPT_INDENT_2))
    report = linker.ingest(read_document(path, Limits()), IngestOptions())
    console.print(f"ingested {path} — {report.summary['workloads']} workloads in "
                  f"{', '.join(report.summary['environments'])}", highlight=False)
    malicious_id = next(r["id"] for r in advisories if r["id"].startswith("MAL-"))
    for vuln_id in ("CVE-2021-44228", malicious_id):
        console.rule(f"[bold]Blast radius of {vuln_id}")
        render_blast_radius(blast_radius(store, vuln_id, "production"))
    console.print(f"\nTry: provenance-linker --db {db_url} query blast-radius {malicious_id} "
                  "--output json", highlight=False)
