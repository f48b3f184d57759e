"""Workload facts with a lifecycle, on every backend: snapshots of a scope end what they no
longer list, replicas: 0 ends a workload, history is kept and answers --at."""

from __future__ import annotations

from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.queries.running import history, running_artifact
from provenance_linker.queries.unsigned import unsigned_gauge_rows, unsigned_in_environment
from provenance_linker.runtime.history import parse_timestamp, running_at
from provenance_linker.store.interface import GraphStore

from .helpers import Clock, deployment, digest_of, ingest, listing

WEB, API, JOB = digest_of("web"), digest_of("api"), digest_of("job")


def _running_keys(store: GraphStore) -> set[str]:
    return {e.src.key for e in store.edges([EdgeKind.RUNS])}


def test_cluster_snapshot_ends_what_it_no_longer_lists(store: GraphStore) -> None:
    clock = Clock()
    first = ingest(store, listing(deployment("web", "shop-prod", f"reg.test/web@{WEB}"),
                                  deployment("api", "pay-prod", f"reg.test/api@{API}")),
                   "snap1.json", clock)
    assert first.summary["scope"] == "cluster snapshot"
    assert _running_keys(store) == {"default/shop-prod/Deployment/web",
                                    "default/pay-prod/Deployment/api"}
    t1 = clock.now
    clock.tick()
    second = ingest(store, listing(deployment("web", "shop-prod", f"reg.test/web@{WEB}"),
                                   deployment("other", "dev", f"reg.test/web@{WEB}")),
                    "snap2.json", clock)
    assert second.summary["ended"] == 1
    assert _running_keys(store) == {"default/shop-prod/Deployment/web",
                                    "default/dev/Deployment/other"}
    assert [r["deployment"] for r in unsigned_in_environment(store, "production")] == ["web"]
    # History: api ran from t1 until the second snapshot, and --at still sees it.
    api = history(store, "pay-prod/Deployment/api")
    assert not api["running"]
    assert [(h["since"], h["until"], h["end_reason"]) for h in api["history"]] == [
        (t1.isoformat(), clock.now.isoformat(), "missing from a later cluster snapshot")]
    then = {r["deployment"] for r in unsigned_in_environment(store, "production", at=t1)}
    assert then == {"web", "api"}
    # web kept running without a break: its interval started at t1.
    web = history(store, "shop-prod/Deployment/web")["history"]
    assert len(web) == 1 and web[0]["since"] == t1.isoformat() and web[0]["until"] is None
    assert running_artifact(store, WEB)["workloads"] == 2


def test_namespace_snapshot_ends_only_its_namespace(store: GraphStore) -> None:
    clock = Clock()
    ingest(store, listing(deployment("web", "shop-prod", f"reg.test/web@{WEB}"),
                          deployment("api", "pay-prod", f"reg.test/api@{API}")),
           "snap1.json", clock)
    clock.tick()
    report = ingest(store, listing(deployment("job", "shop-prod", f"reg.test/job@{JOB}")),
                    "ns.json", clock)
    assert report.summary["scope"] == "namespace snapshot"
    assert _running_keys(store) == {"default/shop-prod/Deployment/job",
                                    "default/pay-prod/Deployment/api"}
    # The carried-over workload kept its start time and its name.
    api = store.edges([EdgeKind.RUNS], src=[NodeRef(NodeKind.DEPLOYMENT,
                                                    "default/pay-prod/Deployment/api")])
    assert api[0].props["since"] == "2026-12-01T10:00:00+00:00"
    assert running_artifact(store, f"reg.test/api@{API}")["workloads"] == 1


def test_replicas_zero_clears_the_unsigned_series(store: GraphStore) -> None:
    clock = Clock()
    ingest(store, deployment("web", "shop-prod", f"reg.test/web@{WEB}"), "one.json", clock)
    assert [labels["deployment"] for labels, _ in unsigned_gauge_rows(store)] == ["web"]
    before = clock.now
    clock.tick()
    report = ingest(store, deployment("web", "shop-prod", f"reg.test/web@{WEB}", replicas=0),
                    "scaled.json", clock)
    assert report.summary["ended"] == 1
    assert unsigned_gauge_rows(store) == []
    assert running_artifact(store, WEB)["running"] == []
    assert [r.deployment for r in running_at(store, before)] == [
        "default/shop-prod/Deployment/web"]
    assert running_at(store, parse_timestamp(clock.now.isoformat())) == []
    # Scaling back up starts a second interval.
    clock.tick()
    ingest(store, deployment("web", "shop-prod", f"reg.test/web@{WEB}", replicas=3),
           "up.json", clock)
    intervals = history(store, "shop-prod/Deployment/web")["history"]
    assert [h["end_reason"] for h in intervals] == ["scaled to 0", None]


def test_odd_and_tag_only_images_are_unresolved_with_a_reason(store: GraphStore) -> None:
    obj = listing(deployment("a", "shop-prod", "reg.test/web:latest"),
                  deployment("b", "shop-prod", "reg.test/WEB$(id):1"),
                  deployment("c", "shop-prod", "reg.test/web@sha256:12"))
    report = ingest(store, obj, "odd.json")
    assert report.summary["unlinked_images"] == 3
    reasons = {}
    for key in ("a", "b", "c"):
        node = store.get(NodeRef(NodeKind.DEPLOYMENT, f"default/shop-prod/Deployment/{key}"))
        assert node is not None and node.props["running"] is True
        reasons[key] = node.props["unresolved"][0]["reason"]
    assert reasons["a"].startswith("tag only")
    assert reasons["b"].startswith("not a valid image reference")
    assert reasons["c"].startswith("unsupported or malformed digest")
    assert store.edges([EdgeKind.RUNS]) == []  # nothing matched to a guessed digest
