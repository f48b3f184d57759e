"""Property: for every parser entry point, mutated real documents are either stored or
refused with the project's own error — no other exception escapes."""

from __future__ import annotations

import hashlib
import json
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from provenance_linker.errors import ProvenanceError
from provenance_linker.runtime.admission import AdmissionController
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

from .harness import ingest_archive, ingest_bytes, zip_of
from .mutations import mutations
from .profile import FOUND, FUZZ
from .seeds import Seed, seeds_by_family

FAMILIES = ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-yaml", "spdx-tag-value",
            "spdx-rdf", "spdx-xml", "osv-json", "osv-yaml", "openvex", "dsse",
            "sigstore-bundle", "in-toto-link", "in-toto-layout", "slsa", "cosign-signatures",
            "kubernetes"]


@pytest.fixture
def fuzz_store(tmp_path: Path) -> Iterator[GraphStore]:
    store = open_store(f"sqlite:///{tmp_path}/fuzz.db")
    try:
        yield store
    finally:
        store.close()


def _keep(data: bytes, family: str) -> None:
    FOUND.mkdir(parents=True, exist_ok=True)
    name = f"{family}-{hashlib.sha256(data).hexdigest()[:12]}"
    (FOUND / name).write_bytes(data)
    (FOUND / f"{name}.txt").write_text(traceback.format_exc())


def _check(store: GraphStore, data: bytes, family: str) -> None:
    try:
        ingest_bytes(store, data, f"{family}.fuzz")
    except Exception:
        _keep(data, family)
        raise


@pytest.mark.parametrize("family", FAMILIES)
def test_mutated_documents_raise_only_project_errors(
        family: str, corpus: Path, fuzz_store: GraphStore) -> None:
    seeds = seeds_by_family(corpus).get(family, [])
    assert seeds, f"no seed document for {family}"

    @FUZZ
    @given(st.sampled_from(seeds).flatmap(lambda s: st.tuples(st.just(s), mutations(s))))
    def case(pair: tuple[Seed, bytes]) -> None:
        seed, data = pair
        note(f"seed {seed.name}")
        _check(fuzz_store, data, family)

    case()


def test_mutated_osv_archives_raise_only_project_errors(
        corpus: Path, fuzz_store: GraphStore, tmp_path: Path) -> None:
    seeds = [*seeds_by_family(corpus)["osv-json"], *seeds_by_family(corpus)["osv-yaml"]]

    @FUZZ
    @given(st.lists(st.sampled_from(seeds).flatmap(mutations), min_size=1, max_size=3),
           st.integers(0, 400), st.booleans())
    def case(members: list[bytes], cut: int, truncate: bool) -> None:
        data = zip_of({f"advisories/{i}.json": m for i, m in enumerate(members)})
        if truncate:
            data = data[: max(len(data) - cut, 0)]
        try:
            ingest_archive(fuzz_store, data, tmp_path)
        except Exception:
            _keep(data, "osv-zip")
            raise

    case()


def _review_of(obj: object, i: int) -> bytes:
    kind = obj.get("kind") if isinstance(obj, dict) else None
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                       "request": {"uid": f"fuzz-{i}", "operation": "CREATE",
                                   "kind": {"group": "apps", "version": "v1",
                                            "kind": kind or "Deployment"},
                                   "namespace": "default", "object": obj,
                                   "userInfo": {"username": "fuzz"}}}).encode()


def test_mutated_admission_reviews_raise_only_project_errors(
        corpus: Path, fuzz_store: GraphStore) -> None:
    """The admission webhook's entry point: AdmissionReviews wrapping the corpus's
    Kubernetes objects, mutated as bytes and as trees."""
    objects = [s.tree for s in seeds_by_family(corpus)["kubernetes"] if s.tree is not None]
    items = [o for obj in objects
             for o in (obj.get("items", [obj]) if isinstance(obj, dict) else [obj])]
    reviews = [Seed(f"review-{i}", _review_of(obj, i), "admission-review")
               for i, obj in enumerate(items)]
    assert reviews, "no Kubernetes object to wrap"
    controller = AdmissionController(fuzz_store)

    @FUZZ
    @given(st.sampled_from(reviews).flatmap(lambda s: st.tuples(st.just(s), mutations(s))))
    def case(pair: tuple[Seed, bytes]) -> None:
        seed, data = pair
        note(f"seed {seed.name}")
        try:
            answer = controller.review(data, "127.0.0.1")
        except ProvenanceError:
            return
        except Exception:
            _keep(data, "admission-review")
            raise
        assert isinstance(answer.get("response", {}).get("allowed"), bool)

    case()
