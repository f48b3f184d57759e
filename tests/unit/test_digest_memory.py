"""The content digest holds one line per node and edge until it sorts them: each line
must cost about its length (orjson's output alone keeps a ~4 KB allocation, which made a
whole-store digest — backup and restore compute one — need 22 GB at 5.5 M rows)."""

from __future__ import annotations

import tracemalloc

from provenance_linker.store.digest import edge_line, node_line


def test_digest_lines_cost_about_their_length() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        lines = [node_line("Package", f"pkg:npm/p{i}@1.0.0", {"name": f"p{i}"})
                 for i in range(2000)]
        lines += [edge_line("LISTS", "Sbom", "sha256:" + "a" * 64, "Package",
                            f"pkg:npm/p{i}@1.0.0", "sha256:" + "a" * 64, {})
                  for i in range(2000)]
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    longest = max(map(len, lines))
    assert used / len(lines) < longest + 256, used / len(lines)
