"""The content digest hashes sorted lines in blocks: the same digest as line by line,
whatever the block size."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from provenance_linker.store.digest import edge_line, edge_line_of, end_json, lines_digest


@given(lines=st.lists(st.binary(max_size=30).filter(lambda b: b"\n" not in b), max_size=60),
       block=st.integers(1, 70))
def test_blocks_hash_like_lines(lines: list[bytes], block: int) -> None:
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line + b"\n")
    assert lines_digest(list(lines), block) == "sha256:" + h.hexdigest()


_text = st.text(st.characters(codec="utf-8"), max_size=12)  # quotes, escapes, non-ASCII
_json = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | _text,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_text, inner, max_size=3), max_leaves=8)


@given(kind=_text, ends=st.lists(_text, min_size=4, max_size=4), doc=st.none() | _text,
       props=st.dictionaries(_text, _json, max_size=4))
def test_edge_lines_from_end_json_are_edge_lines(kind: str, ends: list[str], doc: str | None,
                                                 props: dict[str, object]) -> None:
    sk, skey, dk, dkey = ends
    assert edge_line_of(kind, end_json(sk, skey), end_json(dk, dkey), doc,
                        props or None) == edge_line(kind, sk, skey, dk, dkey, doc, props)
