"""The least work an SBOM ingest can do, as a whole process: `json.load` of the file and
one SQLite transaction inserting one row per component (CycloneDX `components`, SPDX
`packages`). `bench/bench_ingest.py --process` times the CLI against it.

    python bench/ingest_baseline.py SBOM.json STORE.db
"""

from __future__ import annotations

import json
import sqlite3
import sys


def main(path: str, db: str) -> int:
    with open(path, "rb") as handle:
        document = json.load(handle)
    components = document.get("components") or document.get("packages") or []
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS components(id INTEGER PRIMARY KEY, "
                 "purl TEXT, name TEXT, version TEXT)")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO components(purl, name, version) VALUES (?, ?, ?)",
                     ((c.get("purl"), c.get("name"), c.get("version") or c.get("versionInfo"))
                      for c in components))
    conn.execute("COMMIT")
    conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
