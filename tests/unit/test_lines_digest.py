"""The content digest hashes sorted lines in blocks: the same digest as line by line,
whatever the block size."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from provenance_linker.store.digest import lines_digest


@given(lines=st.lists(st.binary(max_size=30).filter(lambda b: b"\n" not in b), max_size=60),
       block=st.integers(1, 70))
def test_blocks_hash_like_lines(lines: list[bytes], block: int) -> None:
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line + b"\n")
    assert lines_digest(list(lines), block) == "sha256:" + h.hexdigest()
