"""`integrity verify` on both backends: every kind of direct edit in the database — a row
added, edited or deleted in nodes, edges, documents, records and logs, a seal edited,
the audit trail truncated, emptied or rewritten with a recomputed chain — is reported
with its table and key, and exit 1; the untouched store verifies."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.cli.main import run
from provenance_linker.ops import integrity
from provenance_linker.store import ledger, open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.seal import KEY_ENV

from ..support.backends import BACKEND_NAMES, make_store_url
from .support import KEY, populate

Edit = Callable[[GraphStore], None]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(params=BACKEND_NAMES)
def sealed(request: pytest.FixtureRequest, tmp_path: Path, corpus: Path) -> Iterator[GraphStore]:
    store = open_store(make_store_url(request, request.param, tmp_path), integrity_key=KEY)
    populate(store, corpus)
    try:
        yield store
    finally:
        store.close()


def sql(store: GraphStore, *statements: str) -> None:
    """Edit the SQLite file directly, as a shell would (no app functions or triggers)."""
    raw: Any = store
    conn = sqlite3.connect(str(raw.path))
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def cypher(store: GraphStore, *statements: str) -> None:
    raw: Any = store
    with raw._driver.session(database=raw.target.database) as session:
        for statement in statements:
            session.run(statement).consume()


def direct(store: GraphStore, sqlite_edit: list[str], neo4j_edit: list[str]) -> None:
    raw: Any = store
    if raw.backend == "sqlite":
        sql(store, *sqlite_edit)
    else:
        cypher(store, *neo4j_edit)


def test_untouched_store_verifies_and_publishes_heads(sealed: GraphStore) -> None:
    report = integrity.verify(sealed, clock=now)
    assert report.ok, report.divergence
    assert report.rows["nodes"] > 50 and report.rows["edges"] > 50
    assert report.log_heads["audit"]["seq"] == 3
    assert integrity.integrity_gauge_rows(sealed) == [({}, 1.0)]
    heads = dict((labels["stream"], value) for labels, value in integrity.log_head_rows(sealed))
    assert heads["audit"] == 3.0
    # Writes through the system keep the seals right, including withdrawals.
    digest = sealed.documents()[0].digest
    assert sealed.delete_document(digest)
    sealed.delete_record("api_tokens", "t-reader")
    assert integrity.verify(sealed, clock=now).ok


# (name, SQLite statements, Cypher statements, expected table, expected key part)
EDITS = [
    ("signature forged valid",
     ["UPDATE nodes SET props = json_set(props, '$.status', 'valid') "
      "WHERE kind = 'Package' AND id = (SELECT min(id) FROM nodes WHERE kind = 'Package')"],
     ["MATCH (n:Package) WITH n ORDER BY n.key LIMIT 1 SET n.status = 'valid'"],
     "nodes", "pkg:"),
    ("node added",
     ["INSERT INTO nodes(kind, key, props) VALUES ('Key', 'sha256:forged', '{}')"],
     ["CREATE (:Key {key: 'sha256:forged', _props: '{}'})"], "nodes", "sha256:forged"),
    ("node deleted",
     ["PRAGMA foreign_keys=OFF",
      "DELETE FROM nodes WHERE id = (SELECT max(id) FROM nodes WHERE kind = 'Package')"],
     ["MATCH (n:Package) WITH n ORDER BY n.key DESC LIMIT 1 DETACH DELETE n"], "", ""),
    ("edge edited",
     ["UPDATE edges SET props = '{\"verified\": true}' WHERE id = (SELECT min(id) FROM edges)"],
     ["MATCH ()-[e:DEPENDS_ON]->() WITH e LIMIT 1 SET e.verified = true"], "edges", " -> "),
    ("edge added",
     ["INSERT INTO edges(kind, src, dst, doc_id, props) SELECT 'SIGNED_BY', "
      "min(id), max(id), (SELECT min(id) FROM documents), '{}' FROM nodes"],
     ["MATCH (a:Package), (b:Package) WITH a, b LIMIT 1 "
      "CREATE (a)-[:SIGNED_BY {doc: 'sha256:x'}]->(b)"], "edges", " -> "),
    ("edge deleted",
     ["DELETE FROM edges WHERE id = (SELECT max(id) FROM edges)"],
     ["MATCH ()-[e:DEPENDS_ON]->() WITH e LIMIT 1 DELETE e"], "edges", "-"),
    ("document meta edited",
     ["UPDATE documents SET name = 'other.json' WHERE id = 1"],
     ["MATCH (d:Document) WITH d ORDER BY d.seq LIMIT 1 SET d.name = 'other.json'"],
     "documents", "sha256:"),
    ("token record edited (role raised)",
     ["UPDATE records SET value = '{\"role\": \"admin\", \"name\": \"ci\"}' "
      "WHERE key = 't-writer'"],
     ["MATCH (r:Record {key: 't-writer'}) SET r.value = '{\"role\": \"admin\"}'"],
     "records", "t-writer"),
    ("block record deleted",
     ["DELETE FROM records WHERE collection = 'blocks'"],
     ["MATCH (r:Record {collection: 'blocks'}) DELETE r"], "records", "-"),
    ("quarantine record added",
     ["INSERT INTO records(collection, key, value) VALUES ('quarantine', 'x', '{}')"],
     ["CREATE (:Record {collection: 'quarantine', key: 'x', value: '{}'})"], "records", "x"),
    ("dependency tree edited (a shorter path claimed)",
     ["UPDATE dependency_chains SET via = x'', rank = 1 "
      "WHERE node_id = (SELECT max(node_id) FROM dependency_chains)"],
     ["MATCH (d:Document) WHERE d.dependencies IS NOT NULL WITH d ORDER BY d.seq LIMIT 1 "
      "SET d.dependencies = '{\"keys\": [], \"edges\": []}'"], "derived", ""),
    ("seal edited",
     ["UPDATE integrity_seals SET count = count - 1 WHERE name = 'edges'"],
     ["MATCH (s:IntegritySeal {name: 'edges'}) SET s.count = s.count - 1"], "edges", "-"),
]


@pytest.mark.parametrize(("name", "sqlite_edit", "neo4j_edit", "table", "key"), EDITS,
                         ids=[e[0] for e in EDITS])
def test_each_direct_edit_is_reported(sealed: GraphStore, name: str, sqlite_edit: list[str],
                                      neo4j_edit: list[str], table: str, key: str) -> None:
    assert integrity.verify(sealed, clock=now).ok
    direct(sealed, sqlite_edit, neo4j_edit)
    report = integrity.verify(sealed, clock=now)
    assert not report.ok, name
    assert report.divergence is not None
    if table:
        assert report.divergence.table == table, report.divergence
    assert key in report.divergence.key, report.divergence
    assert integrity.integrity_gauge_rows(sealed) == [({}, 0.0)]


def _rewrite_audit_chain(store: GraphStore, keep: int) -> None:
    """An attacker's rewrite: keep the first entries, edit one, recompute the unkeyed chain."""
    entries = store.read_log("audit")[:keep]
    prev = ledger.GENESIS
    rows = []
    for e in entries:
        payload = dict(e.payload)
        if e.seq == 1:
            payload["actor"] = "nobody"
        digest = ledger.entry_hash("audit", e.seq, e.at, payload, prev)
        rows.append((e.seq, e.at, ledger.canonical_json(payload).decode(), prev, digest))
        prev = digest
    sqlite_edit = ["DELETE FROM logs WHERE stream = 'audit'"] + [
        f"INSERT INTO logs(stream, seq, at, payload, prev_hash, hash) VALUES ('audit', {s}, "
        f"'{at}', '{p}', '{pv}', '{h}')" for s, at, p, pv, h in rows]
    neo4j_edit = ["MATCH (e:LogEntry {stream: 'audit'}) DELETE e"] + [
        f"CREATE (:LogEntry {{stream: 'audit', seq: {s}, at: '{at}', payload: '{p}', "
        f"prev_hash: '{pv}', hash: '{h}'}})" for s, at, p, pv, h in rows]
    direct(store, sqlite_edit, neo4j_edit)


@pytest.mark.parametrize("keep", [3, 2, 0], ids=["edited", "last-deleted", "all-deleted"])
def test_audit_trail_rewrites_with_a_recomputed_chain_are_detected(sealed: GraphStore,
                                                                   keep: int) -> None:
    from provenance_linker.access import audit

    _rewrite_audit_chain(sealed, keep)
    assert audit.verify(sealed).ok  # the unkeyed chain alone is fooled
    report = integrity.verify(sealed, clock=now)
    assert not report.ok
    assert report.divergence is not None and report.divergence.table == "logs"


def test_cli_reports_exit_1_logs_integrity_violation(tmp_path: Path, corpus: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/graph.db"
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    store = open_store(url)
    populate(store, corpus)
    store.close()
    assert run(["--db", url, "integrity", "verify"]) == 0
    sql(open_store(url), "UPDATE records SET value = '{}' WHERE key = 't-reader'")
    capsys.readouterr()
    assert run(["--db", url, "integrity", "verify", "--output", "json"]) == 1
    captured = capsys.readouterr()
    assert '"t-reader"' in captured.out and '"records"' in captured.out
    assert "integrity_violation" in captured.err and KEY.decode() not in captured.err


def test_without_a_key_verify_is_a_clear_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert run(["--db", f"sqlite:///{tmp_path}/g.db", "integrity", "verify"]) == 2
    assert "PROVENANCE_INTEGRITY_KEY" in capsys.readouterr().err
