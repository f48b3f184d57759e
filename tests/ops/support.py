"""A realistic sealed store for the operations tests: the demo images, two real
advisories, records of every kind the runbooks act on, and an audit trail."""

from __future__ import annotations

from pathlib import Path

import orjson

from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store.interface import GraphStore

KEY = b"test-integrity-key-0123456789abcdef"
LOG4SHELL = "vulns/osv/GHSA-jfh8-c2jp-5v3q_maven_log4j-core_CVE-2021-44228_log4shell.json"
LODASH = "vulns/osv/GHSA-35jh-r3h4-6jhm_npm_lodash_CVE-2021-23337.json"


def populate(store: GraphStore, corpus: Path) -> None:
    linker = Linker(store)
    for image in demo_images():
        linker.ingest(load(orjson.dumps(image.document),
                           image.name.rsplit("/", 1)[-1] + ".cdx.json"))
    for path in (LOG4SHELL, LODASH):
        linker.ingest(load((corpus / path).read_bytes(), path))
    store.put_record("api_tokens", "t-reader", {"role": "reader", "name": "dashboards"})
    store.put_record("api_tokens", "t-writer", {"role": "writer", "name": "ci"})
    store.put_record("blocks", "ip:203.0.113.7", {"by": "admin"})
    store.put_record("settings", "throttle", {"per_minute": 600})
    for i in range(3):
        store.append_log("audit", {"action": "POST /v1/sboms", "actor": "ci", "i": i})
