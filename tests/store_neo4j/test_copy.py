"""`store copy`: SQLite → Neo4j → SQLite round-trips a realistic graph to the same digest,
and the questions asked of the copies get the same answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.errors import StoreError, UsageError
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import LogEntry
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.trace import trace
from provenance_linker.store import open_store
from provenance_linker.store.copy import copy_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.sqlite import SqliteStore

from ..conftest import CliResult
from ..support.neo4j_server import Neo4jServer

LOG4SHELL = "vulns/osv/GHSA-jfh8-c2jp-5v3q_maven_log4j-core_CVE-2021-44228_log4shell.json"
LODASH = "vulns/osv/GHSA-35jh-r3h4-6jhm_npm_lodash_CVE-2021-23337.json"


def populate(store: GraphStore, corpus: Path) -> None:
    """The demo images (a base image and two apps on it), two real advisories matching
    their packages, operational records and an audit trail."""
    linker = Linker(store)
    for image in demo_images():
        data = orjson.dumps(image.document)
        linker.ingest(load(data, image.name.rsplit("/", 1)[-1] + ".cdx.json"))
    for path in (LOG4SHELL, LODASH):
        linker.ingest(load((corpus / path).read_bytes(), path))
    store.put_record("tokens", "t-reader", {"role": "reader", "name": "dashboards"})
    store.put_record("tokens", "t-writer", {"role": "writer", "name": "ci"})
    store.put_record("settings", "throttle", {"per_minute": 600})
    for i in range(3):
        store.append_log("audit", {"action": "POST /v1/sboms", "actor": "ci", "i": i})


def logs(store: GraphStore) -> dict[str, list[LogEntry]]:
    return {s: store.read_log(s) for s in store.log_streams()}


def test_sqlite_to_neo4j_to_sqlite_round_trips(tmp_path: Path, corpus: Path,
                                               neo4j_server: Neo4jServer) -> None:
    first = SqliteStore(f"sqlite:///{tmp_path}/first.db")
    populate(first, corpus)
    middle = open_store(neo4j_server.url)
    last = SqliteStore(f"sqlite:///{tmp_path}/last.db")
    try:
        there = copy_store(first, middle)
        back = copy_store(middle, last)
        digest = first.content_digest()
        assert there.verified and back.verified
        assert there.target_digest == back.target_digest == digest == last.content_digest()
        assert middle.content_digest() == digest
        assert first.counts() == middle.counts() == last.counts()
        assert there.documents == back.documents == len(first.documents()) == 5
        assert first.counts()["Package"] > 200 and first.counts()["AFFECTED_BY"] >= 2
        # Ingest order and times, records and hash-chained logs arrive unchanged.
        for store in (middle, last):
            assert ([(d.digest, d.kind, d.name, d.ingested_at, dict(d.meta))
                     for d in store.documents()]
                    == [(d.digest, d.kind, d.name, d.ingested_at, dict(d.meta))
                        for d in first.documents()])
            assert store.list_records("tokens") == first.list_records("tokens")
            assert store.list_records("settings") == first.list_records("settings")
            assert logs(store) == logs(first)
        assert set(logs(first)) == {"audit", "ledger"}
        assert there.log_entries == len(logs(first)["audit"]) + len(logs(first)["ledger"])
        # The same questions get the same answers from every copy.
        app = demo_images()[1].name
        assert trace(middle, app) == trace(first, app) == trace(last, app)
        radius = blast_radius(first, "GHSA-jfh8-c2jp-5v3q")
        assert radius == blast_radius(middle, "GHSA-jfh8-c2jp-5v3q")
        assert radius == blast_radius(last, "GHSA-jfh8-c2jp-5v3q")
        # A copy is an ordinary store: withdrawing a document works the same on both.
        advisory = next(d.digest for d in first.documents("advisory"))
        for store in (first, middle):
            assert store.delete_document(advisory)
        assert middle.content_digest() == first.content_digest()
    finally:
        for store in (first, middle, last):
            store.close()


def test_copy_refuses_a_target_that_is_not_empty(tmp_path: Path, corpus: Path,
                                                 neo4j_server: Neo4jServer) -> None:
    source = SqliteStore(f"sqlite:///{tmp_path}/source.db")
    target = open_store(neo4j_server.url)
    try:
        populate(source, corpus)
        target.put_record("tokens", "someone-else", {"role": "admin"})
        with pytest.raises(UsageError, match="not empty"):
            copy_store(source, target)
        assert target.documents() == [] and target.log_streams() == []
    finally:
        source.close()
        target.close()


def test_import_log_refuses_entries_that_do_not_continue_the_chain(
        tmp_path: Path, neo4j_server: Neo4jServer) -> None:
    source = SqliteStore(f"sqlite:///{tmp_path}/source.db")
    target = open_store(neo4j_server.url)
    try:
        for i in range(3):
            source.append_log("audit", {"i": i})
        entries = source.read_log("audit")
        with pytest.raises(StoreError, match="do not continue"):
            target.import_log("audit", entries[1:])  # a gap at the start
        edited = LogEntry("audit", 1, entries[0].at, {"i": 99}, entries[0].prev_hash,
                          entries[0].hash)
        with pytest.raises(StoreError, match="do not continue"):
            target.import_log("audit", [edited])  # content no longer matches its hash
        assert target.read_log("audit") == []
        assert target.import_log("audit", entries) == 3
        assert target.read_log("audit") == entries
        assert target.append_log("audit", {"i": 3}).prev_hash == entries[-1].hash
    finally:
        source.close()
        target.close()


def test_store_copy_command(tmp_path: Path, corpus: Path, neo4j_server: Neo4jServer,
                            cli: Callable[..., CliResult]) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    source = SqliteStore(db)
    populate(source, corpus)
    digest = source.content_digest()
    # populate's own records and what ingest keeps beside them (the evidence version)
    records = sum(len(source.list_records(c)) for c in source.record_collections())
    source.close()
    result = cli("store", "copy", "--to", neo4j_server.url, "--output", "json", db=db)
    assert result.code == 0, result.err
    report = result.json()
    assert isinstance(report, dict)
    assert report["verified"] is True and report["target_digest"] == digest
    assert report["documents"] == 5 and report["records"] == records >= 3
    assert "provenance-test-password" not in result.out  # credentials are masked
    again = cli("store", "copy", "--to", neo4j_server.url, db=db)
    assert again.code == 2 and "not empty" in again.err
