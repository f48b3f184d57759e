"""The vulnerability part of `provenance-linker demo`: advisories, a cluster snapshot,
and a blast radius through the base image into production."""

from __future__ import annotations

from pathlib import Path

from ..demo.samples import GeneratedSbom
from ..demo.walkthrough import ingest_vulnerability_data
from ..queries.blast_radius import blast_radius
from ..store.interface import GraphStore
from .output import console
from .query_vulns import render_blast_radius


def demo_vulnerabilities(store: GraphStore, images: list[GeneratedSbom], out: Path,
                         db_url: str) -> None:
    console.rule("[bold]Advisories and the production cluster")
    data = ingest_vulnerability_data(store, images, out)
    for item in data.advisories:
        s = item.report.summary
        console.print(f"ingested {item.path} — {s['id']}: {s.get('severity') or 'unrated'}"
                      f"{', malicious' if s['malicious'] else ''}, "
                      f"{s['matched_packages']} matching packages", highlight=False)
    s = data.cluster.report.summary
    console.print(f"ingested {data.cluster.path} — {s['workloads']} workloads in "
                  f"{', '.join(s['environments'])}", highlight=False)
    for vuln_id in ("CVE-2021-44228", data.malicious_id):
        console.rule(f"[bold]Blast radius of {vuln_id}")
        render_blast_radius(blast_radius(store, vuln_id, "production"))
    console.print(f"\nTry: provenance-linker --db {db_url} query blast-radius "
                  f"{data.malicious_id} --output json", highlight=False)
