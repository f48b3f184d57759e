"""Cross-document linking (digest first, either arrival order, CycloneDX and SPDX),
supersession, and `query diff`."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.demo.samples import GeneratedSbom, cyclonedx_sbom, digest_of
from provenance_linker.demo.spdx import spdx_sbom
from provenance_linker.documents import Document, load
from provenance_linker.errors import NotFound
from provenance_linker.graph.sboms import sboms_for
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.queries.diff import diff
from provenance_linker.queries.trace import trace
from provenance_linker.store.interface import GraphStore


def _doc(generated: GeneratedSbom, form: str) -> Document:
    body = generated.document if form == "cdx" else spdx_sbom(generated)
    return load(orjson.dumps(body), f"{generated.name}.{form}.json")


def _chain() -> tuple[GeneratedSbom, GeneratedSbom, GeneratedSbom]:
    os_image = cyclonedx_sbom("registry.acme.test/base/os:3.19", 20, seed=11, well_known=False)
    runtime = cyclonedx_sbom("registry.acme.test/base/runtime:21", 30, seed=12,
                             base_image=os_image, well_known=False)
    app = cyclonedx_sbom("registry.acme.test/shop/api:2.1", 40, seed=13, base_image=runtime)
    return os_image, runtime, app


def _inside(store: GraphStore, digest: str) -> set[str]:
    return {x["artifact"] for x in trace(store, digest)["contains_artifacts"]}


@pytest.mark.parametrize("forms", [("cdx", "spdx", "cdx"), ("spdx", "cdx", "spdx"),
                                   ("spdx", "spdx", "spdx")])
def test_image_sbom_reaches_base_image_sbom_in_every_arrival_order(
        store: GraphStore, forms: tuple[str, str, str]) -> None:
    chain = _chain()
    documents = [_doc(g, form) for g, form in zip(chain, forms, strict=True)]
    os_image, runtime, app = chain
    linker = Linker(store)
    for order in itertools.permutations(range(3)):
        for index in order:
            linker.ingest(documents[index])
        # app → runtime → os, whichever SBOM arrived first.
        assert _inside(store, app.digest) == {runtime.digest}
        assert _inside(store, runtime.digest) == {os_image.digest}
        assert _inside(store, os_image.digest) == set()
        for document in documents:
            assert store.delete_document(document.digest)
        assert store.documents("sbom") == []


def _variant(generated: GeneratedSbom, name: str, *, created: str | None = None,
             same_artifact: bool = False) -> GeneratedSbom:
    """A later build: one package dropped, one added, one at another version."""
    document: dict[str, Any] = copy.deepcopy(generated.document)
    digest = generated.digest if same_artifact else digest_of("image", name)
    repo, _, tag = name.rpartition(":")
    document["metadata"]["component"].update(
        name=repo, version=tag, hashes=[{"alg": "SHA-256", "content": digest[7:]}])
    document["serialNumber"] = f"urn:uuid:00000000-0000-4000-8000-{digest[7:19]}"
    if created:
        document["metadata"]["timestamp"] = created
    components = document["components"]
    dropped = components.pop()
    bumped = components[3]
    old_purl = bumped["purl"]
    bumped["version"] = "99.0.0"
    bumped["purl"] = bumped["bom-ref"] = old_purl.rsplit("@", 1)[0] + "@99.0.0"
    components.append({"type": "library", "bom-ref": "pkg:pypi/brand-new@1.0.0",
                       "name": "brand-new", "version": "1.0.0",
                       "purl": "pkg:pypi/brand-new@1.0.0"})
    for entry in document["dependencies"]:
        entry["ref"] = bumped["purl"] if entry["ref"] == old_purl else entry["ref"]
        entry["dependsOn"] = [bumped["purl"] if r == old_purl else r
                              for r in entry["dependsOn"] if r != dropped["bom-ref"]]
    document["dependencies"] = [e for e in document["dependencies"]
                                if e["ref"] != dropped["bom-ref"]]
    return GeneratedSbom(name=name, digest=digest, document=document)


def test_diff_between_two_artifacts(store: GraphStore) -> None:
    v1 = cyclonedx_sbom("registry.acme.test/shop/web:1.0", 30, seed=21)
    v2 = _variant(v1, "registry.acme.test/shop/web:1.1")
    linker = Linker(store)
    linker.ingest(_doc(v1, "cdx"))
    linker.ingest(_doc(v2, "spdx"))
    result = diff(store, "registry.acme.test/shop/web:1.0", "registry.acme.test/shop/web:1.1")
    assert result["from"]["artifact"] == v1.digest and result["to"]["artifact"] == v2.digest
    assert [a["name"] for a in result["added"]] == ["brand-new"]
    dropped = v1.document["components"][-1]
    assert [(r["name"].rsplit("/", 1)[-1].rsplit(":", 1)[-1], r["version"])
            for r in result["removed"]] == [(dropped["name"], dropped["version"])]
    bumped = v1.document["components"][3]
    assert len(result["changed"]) == 1
    assert result["changed"][0]["from"] == [bumped["version"]]
    assert result["changed"][0]["to"] == ["99.0.0"]
    assert result["unchanged"] == 30 - 2
    assert diff(store, v1.digest, v1.digest)["changed"] == []
    with pytest.raises(NotFound):
        diff(store, v1.digest, digest_of("never", "ingested"))


def test_newer_sbom_supersedes_older_for_the_same_artifact(store: GraphStore) -> None:
    v1 = cyclonedx_sbom("registry.acme.test/shop/cart:3.0", 20, seed=31)
    rescanned = _variant(v1, "registry.acme.test/shop/cart:3.0", created="2026-11-20T00:00:00Z",
                         same_artifact=True)
    linker = Linker(store)
    newer, older = _doc(rescanned, "spdx"), _doc(v1, "cdx")
    linker.ingest(newer)  # the newer scan arrives first; `created` decides, not order
    linker.ingest(older)
    sboms = sboms_for(store, v1.digest)
    assert [(s.digest, s.current) for s in sboms] == [(newer.digest, True),
                                                      (older.digest, False)]
    names = {p["name"] for p in trace(store, v1.digest)["packages"]}
    assert "brand-new" in names


def test_cli_diff_json_and_table(cli: Any, tmp_path: Path) -> None:
    v1 = cyclonedx_sbom("registry.acme.test/shop/pay:1.0", 20, seed=41)
    v2 = _variant(v1, "registry.acme.test/shop/pay:2.0")
    folder = tmp_path / "sboms"
    folder.mkdir()
    (folder / "a.cdx.json").write_bytes(orjson.dumps(v1.document))
    (folder / "b.spdx.json").write_bytes(orjson.dumps(spdx_sbom(v2)))
    assert cli("ingest", "sbom", str(folder), "--output", "json").code == 0
    out = cli("query", "diff", "--artifact", "registry.acme.test/shop/pay:1.0",
              "--artifact", "registry.acme.test/shop/pay:2.0", "--output", "json")
    assert out.code == 0, out.err
    data = out.json()
    assert isinstance(data, dict)
    assert (len(data["added"]), len(data["removed"]), len(data["changed"])) == (1, 1, 1)
    table = cli("query", "diff", "-a", "registry.acme.test/shop/pay:1.0",
                "-a", "registry.acme.test/shop/pay:2.0")
    assert table.code == 0
    assert "1 added, 1 removed, 1 changed, 18 unchanged" in table.out
    once = cli("query", "diff", "-a", "registry.acme.test/shop/pay:1.0")
    assert once.code == 2
