"""A state change and its audit entry are written in one transaction: when the audit
entry cannot be written, the change is not made either (and the other way round)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from provenance_linker.access import blocks, throttle, tokens
from provenance_linker.store.sqlite import SqliteStore, path_from_url
from provenance_linker.trust import changes, environment_policies
from provenance_linker.trust.bypass import Bypass
from provenance_linker.trust.trust_store import TrustStore

KEY = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
POLICY = "all-of:\n  - sbom-present: {}\n"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/graph.db"


def _refuse_log_writes(db_url: str) -> None:
    """The audit log stops taking entries (as a full disk would refuse them)."""
    with sqlite3.connect(path_from_url(db_url)) as conn:
        conn.execute("CREATE TRIGGER refuse_logs BEFORE INSERT ON logs "
                     "BEGIN SELECT RAISE(ABORT, 'the log refuses entries'); END")


def _store(db_url: str) -> Iterator[SqliteStore]:
    store = SqliteStore(db_url)
    try:
        yield store
    finally:
        store.close()


CHANGES: dict[str, Callable[[SqliteStore], object]] = {
    "tokens.create": lambda s: tokens.create(s, tokens.Role.READER, "ci", actor="admin"),
    "auth.block": lambda s: blocks.block(s, "user:mallory", actor="admin"),
    "throttle.enable": lambda s: throttle.change_throttle(s, actor="admin", enabled=True,
                                                          rate=1.0, burst=5),
    "policy.set": lambda s: environment_policies.set_policy(
        s, "prod", POLICY, source="prod.yaml", actor="admin", roles={"admin"}),
    "keys.add": lambda s: changes.add_key(TrustStore(s), KEY, "key.pem", actor="admin"),
    "keys.trust-identity": lambda s: changes.trust_identity(
        TrustStore(s), "https://issuer.test", "ci@example.test", actor="admin"),
    "bypass.enable": lambda s: Bypass(s).enable(duration="1h", reason="INC-1: outage",
                                                actor="admin", roles={"admin"}),
}


@pytest.mark.parametrize("action", sorted(CHANGES))
def test_a_change_whose_audit_entry_fails_is_not_made(db_url: str, action: str) -> None:
    for store in _store(db_url):
        before = {c: store.list_records(c) for c in store.record_collections()}
    _refuse_log_writes(db_url)
    for store in _store(db_url):
        with pytest.raises(sqlite3.Error):
            CHANGES[action](store)
        after = {c: store.list_records(c) for c in store.record_collections()}
        assert after == before
        assert store.read_log("audit") == []


def test_removals_are_audited_in_their_own_transaction(db_url: str) -> None:
    for store in _store(db_url):
        tokens.create(store, tokens.Role.READER, "ci", actor="admin")
        blocks.block(store, "user:mallory", actor="admin")
        environment_policies.set_policy(store, "prod", POLICY, source="prod.yaml",
                                        actor="admin", roles={"admin"})
        token_id = store.list_records(tokens.TOKENS)[0][0]
    _refuse_log_writes(db_url)
    for store in _store(db_url):
        with pytest.raises(sqlite3.Error):
            tokens.revoke(store, token_id, actor="admin")
        with pytest.raises(sqlite3.Error):
            blocks.unblock(store, "user:mallory", actor="admin")
        with pytest.raises(sqlite3.Error):
            environment_policies.delete_policy(store, "prod", actor="admin", roles={"admin"})
        assert store.get_record(tokens.TOKENS, token_id)["revoked"] is None  # type: ignore[index]
        assert store.get_record(blocks.BLOCKS, "user:mallory") is not None
        assert store.get_record(environment_policies.COLLECTION, "prod") is not None
