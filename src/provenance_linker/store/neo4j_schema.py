"""Neo4j schema migrations: uniqueness constraints on every natural key, and indexes.

Each migration is a list of idempotent schema statements (`IF NOT EXISTS`); applied
versions are recorded as `(:SchemaVersion {version})` nodes, so `migrate()` is cheap
when nothing is pending and safe when two processes run it at once.
"""

from __future__ import annotations

from ..model import EdgeKind, NodeKind

# Labels of the store's own bookkeeping nodes (not part of the provenance graph).
DOCUMENT = "Document"
RECORD = "Record"
LOG_STREAM = "LogStream"
LOG_ENTRY = "LogEntry"
SEQUENCE = "Sequence"
SCHEMA_VERSION = "SchemaVersion"
ASSERTS = "ASSERTS"  # (:Document)-[:ASSERTS]->(node): node provenance
# Document property: the document's own DEPENDS_ON edges, compact (neo4j_write.py).
DEPENDENCY_INDEX = "dependencies"
# Its keyed MAC (it is derived, so not in the table seals): checked where it is read.
DEPENDENCY_INDEX_MAC = "dependencies_mac"

# Top-level properties worth a range index, per node label (what `find` filters on).
INDEXED_PROPS: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.PACKAGE: ("name", "ecosystem", "purl_type"),
    NodeKind.VULNERABILITY: ("severity",),
    NodeKind.NAME: ("repository",),
}


def _initial() -> list[str]:
    statements = []
    for kind in NodeKind:
        statements.append(f"CREATE CONSTRAINT {kind.lower()}_key IF NOT EXISTS "
                          f"FOR (n:{kind}) REQUIRE n.key IS UNIQUE")
        statements.append(f"CREATE INDEX {kind.lower()}_name IF NOT EXISTS "
                          f"FOR (n:{kind}) ON (n.name)")
    for kind, names in INDEXED_PROPS.items():
        for name in names:
            if name != "name":
                statements.append(f"CREATE INDEX {kind.lower()}_{name} IF NOT EXISTS "
                                  f"FOR (n:{kind}) ON (n.{name})")
    for edge in EdgeKind:
        # Per-document withdrawal and `edges(doc=…)` look relationships up by document.
        statements.append(f"CREATE INDEX rel_{edge.lower()}_doc IF NOT EXISTS "
                          f"FOR ()-[e:{edge}]-() ON (e.doc)")
    statements += [
        f"CREATE CONSTRAINT document_digest IF NOT EXISTS "
        f"FOR (d:{DOCUMENT}) REQUIRE d.digest IS UNIQUE",
        f"CREATE CONSTRAINT document_seq IF NOT EXISTS "
        f"FOR (d:{DOCUMENT}) REQUIRE d.seq IS UNIQUE",
        f"CREATE INDEX document_kind IF NOT EXISTS FOR (d:{DOCUMENT}) ON (d.kind)",
        f"CREATE CONSTRAINT record_key IF NOT EXISTS "
        f"FOR (r:{RECORD}) REQUIRE (r.collection, r.key) IS UNIQUE",
        f"CREATE INDEX record_collection IF NOT EXISTS FOR (r:{RECORD}) ON (r.collection)",
        f"CREATE CONSTRAINT log_stream IF NOT EXISTS "
        f"FOR (s:{LOG_STREAM}) REQUIRE s.stream IS UNIQUE",
        f"CREATE CONSTRAINT log_entry IF NOT EXISTS "
        f"FOR (e:{LOG_ENTRY}) REQUIRE (e.stream, e.seq) IS UNIQUE",
        f"CREATE CONSTRAINT sequence_name IF NOT EXISTS "
        f"FOR (s:{SEQUENCE}) REQUIRE s.name IS UNIQUE",
        f"CREATE CONSTRAINT schema_version IF NOT EXISTS "
        f"FOR (v:{SCHEMA_VERSION}) REQUIRE v.version IS UNIQUE",
    ]
    return statements


# version -> schema statements, applied in order. Version 2 adds no schema: it builds the
# dependency index of documents stored before it existed (Neo4jStore._backfill_indexes).
MIGRATIONS: dict[int, list[str]] = {
    1: _initial(),
    2: [],
    # Indexes re-derived from the edges with their MACs (earlier ones had none).
    3: ["MATCH (d:Document) REMOVE d.dependencies, d.dependencies_mac"],
}
LATEST = max(MIGRATIONS)
