"""The example Cypher in docs/neo4j.md runs, and answers, on a graph ingested for real."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store

from ..support.neo4j_server import Neo4jServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "neo4j.md"
LOG4SHELL = "vulns/osv/GHSA-jfh8-c2jp-5v3q_maven_log4j-core_CVE-2021-44228_log4shell.json"


def cypher_blocks() -> list[str]:
    blocks = re.findall(r"```cypher\n(.*?)```", DOC.read_text(), flags=re.S)
    # `:param` lines are shell directives; the test passes the parameters itself.
    return ["\n".join(line for line in block.splitlines() if not line.startswith(":param"))
            .strip().rstrip(";") for block in blocks]


def test_documented_queries_answer(neo4j_server: Neo4jServer, corpus: Path) -> None:
    store = open_store(neo4j_server.url)
    images = demo_images()
    try:
        linker = Linker(store)
        for image in images:
            linker.ingest(load(orjson.dumps(image.document), image.name + ".cdx.json"))
        linker.ingest(load((corpus / LOG4SHELL).read_bytes(), LOG4SHELL))
        api = images[1]
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": "api", "namespace": "payments",
                                   "labels": {"environment": "production"}},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "api", "image": f"{api.name}@{api.digest}"}]}}}}
        linker.ingest(load(orjson.dumps(deployment), "deploy.json"))
    finally:
        store.close()
    sbom = next(r for r in neo4j_server.driver().execute_query(
        "MATCH (s:Sbom)-[:DESCRIBES]->(:Artifact {key: $d}) RETURN s.key",
        d=api.digest).records)[0]
    params: dict[str, Any] = {"digest": api.digest, "sbom": sbom,
                              "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}
    answers = []
    blocks = cypher_blocks()
    assert len(blocks) >= 6
    for block in blocks:
        records = neo4j_server.driver().execute_query(block, params).records
        answers.append([r.data() for r in records])
    trace, deps, dependents, affected, production, asserted = answers[-6:]
    assert trace[0]["sboms"] == [sbom] and trace[0]["deployments"]
    assert len(deps) > 10 and deps[0]["depth"] == 1
    assert {row["artifact"] for row in dependents} >= {api.digest}
    assert any(row["a.key"] == api.digest and row["env.key"] == "production"
               for row in affected)
    assert [row["a.key"] for row in production] == [api.digest]
    # log4j-core is listed by the api SBOM and matched by the advisory: both assert it.
    assert {row["doc.kind"] for row in asserted} == {"sbom", "advisory"}
