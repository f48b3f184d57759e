-- Each SBOM's dependency tree (store/paths.py `dependency_tree`), one row per package it
-- reaches: blast radius reads a package's rows instead of walking every SBOM's edges.
-- Derived from the edges (store/sqlite_chains.py), rebuilt whenever they change; with an
-- integrity key each row carries its own MAC (the rows are not in the table seals).
CREATE TABLE dependency_chains (
    node_id INTEGER NOT NULL,
    doc_id  INTEGER NOT NULL,
    rank    INTEGER NOT NULL,
    via     BLOB NOT NULL,
    mac     BLOB,
    PRIMARY KEY (node_id, doc_id)
) WITHOUT ROWID;
