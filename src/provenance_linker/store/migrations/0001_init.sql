-- Graph: nodes by natural key, edges as per-document assertions.
CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    format      TEXT NOT NULL,
    name        TEXT NOT NULL,
    meta        TEXT NOT NULL DEFAULT '{}',
    ingested_at TEXT NOT NULL
);
CREATE INDEX documents_kind ON documents(kind, id);

CREATE TABLE nodes (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    props TEXT NOT NULL DEFAULT '{}',
    UNIQUE (kind, key)
);
CREATE INDEX nodes_kind_name ON nodes(kind, json_extract(props, '$.name'));

CREATE TABLE node_sources (
    node_id INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    doc_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    PRIMARY KEY (node_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX node_sources_doc ON node_sources(doc_id, node_id);

CREATE TABLE edges (
    id     INTEGER PRIMARY KEY,
    kind   TEXT NOT NULL,
    src    INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    dst    INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    props  TEXT NOT NULL DEFAULT '{}',
    UNIQUE (src, kind, dst, doc_id)
);
CREATE INDEX edges_dst ON edges(dst, kind);
CREATE INDEX edges_doc ON edges(doc_id);
CREATE INDEX edges_kind ON edges(kind);

-- Operational state shared by replicas: tokens, blocks, keys, settings.
CREATE TABLE records (
    collection TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (collection, key)
) WITHOUT ROWID;

-- Hash-chained append-only logs (audit trail, change ledger).
CREATE TABLE logs (
    stream    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
