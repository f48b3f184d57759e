"""A blast radius above the large-graph threshold (400 nodes) in real Chromium: every
node and edge of the answer reaches cytoscape's model, the viewport shows the whole
graph, and selecting a row marks only that path (no restyling of every element)."""

from __future__ import annotations

from pathlib import Path

import orjson
from playwright.sync_api import Browser, expect

from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store

from ..support.service import make_token, start_service

APPS = 220  # 1 advisory + 1 package + 220 artifacts + 220 workloads = 442 nodes
ADVISORY = "TEST-2026-0400"


def _build(db_url: str) -> None:
    store = open_store(db_url)
    linker = Linker(store)
    items = []
    for a in range(APPS):
        digest = "sha256:" + f"{a + 7_000:064x}"
        linker.ingest(load(orjson.dumps({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"component": {"type": "container", "bom-ref": "root",
                                       "name": f"reg.test/app-{a}", "version": "1",
                                       "hashes": [{"alg": "SHA-256", "content": digest[7:]}]}},
            "components": [{"type": "library", "bom-ref": "lib", "name": "wide-lib",
                            "purl": "pkg:npm/wide-lib@1.0.0"}],
            "dependencies": [{"ref": "root", "dependsOn": ["lib"]}]}), f"app-{a}.cdx.json"))
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": f"app-{a}", "namespace": "shop",
                                   "labels": {"environment": "production"}},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "app", "image": f"reg.test/app-{a}@{digest}"}]}}}})
    linker.ingest(load(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
                       "cluster.json"))
    linker.ingest(load(orjson.dumps({
        "id": ADVISORY, "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "wide-lib"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                               {"fixed": "1.0.1"}]}]}]}),
        "advisory.json"))
    store.close()


def test_a_large_graph_draws_whole_and_highlights_a_path(tmp_path: Path,
                                                         browser: Browser) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    _build(db_url)
    token = make_token(db_url, "reader", "viewer")
    service = start_service(tmp_path, db_url=db_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        with service.client(token) as api:
            radius = api.get("/v1/blast-radius", params={"vuln": ADVISORY}).json()
        assert len(radius["deployments"]) == APPS
        page = context.new_page()
        page.goto(f"{service.base_url}/ui/login")
        page.fill("#token", token)
        page.click("#login-form button[type=submit]")
        page.wait_for_url("**/ui/overview")
        page.goto(f"{service.base_url}/ui/advisory?id={ADVISORY}")
        page.wait_for_function("() => window.provenanceGraphTiming !== undefined",
                               timeout=120_000)
        drawn = page.evaluate("""() => ({
            nodes: provenanceGraph.nodes().length, edges: provenanceGraph.edges().length,
            kinds: provenanceGraph.nodes().map(n => n.data('kind')),
            inView: (() => { const e = provenanceGraph.extent(),
                                   b = provenanceGraph.nodes().boundingBox();
                             return b.x1 >= e.x1 && b.x2 <= e.x2 + 200 &&
                                    b.y1 >= e.y1 && b.y2 <= e.y2; })()})""")
        assert drawn["nodes"] == 2 + 2 * APPS and drawn["edges"] == 1 + 2 * APPS
        assert drawn["kinds"].count("deployment") == APPS
        assert drawn["kinds"].count("artifact") == APPS
        assert drawn["inView"], "the preset viewport shows the whole graph"
        expect(page.locator("#graph-status")).to_have_text(
            f"{drawn['nodes']} nodes, {drawn['edges']} edges")
        page.locator("#paths tbody tr").first.locator("td").nth(1).click()  # not a link
        marked = page.evaluate("""() => ({hl: provenanceGraph.elements('.hl').length,
                                           faded: provenanceGraph.elements('.faded').length})""")
        # advisory, package, artifact, workload and the three edges between them
        assert marked == {"hl": 7, "faded": 0}
    finally:
        context.close()
        service.stop()
