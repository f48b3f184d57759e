"""The sealer's HMAC (precomputed key pads) is HMAC-SHA256 exactly, for every key length:
a row sealed by one release verifies under another."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from provenance_linker.store.ledger import canonical_json
from provenance_linker.store.seal import Sealer


@given(key=st.binary(min_size=0, max_size=200), message=st.binary(max_size=300))
def test_digest_is_hmac_sha256(key: bytes, message: bytes) -> None:
    assert Sealer(key).digest(message) == hmac.digest(key, message, hashlib.sha256)


PART = st.one_of(st.text(max_size=40), st.integers(-(2**63), 2**63 - 1))


@given(key=st.binary(min_size=16, max_size=100), parts=st.lists(PART, max_size=6))
def test_row_macs_and_scans_agree_with_the_standard_hmac(key: bytes, parts: list[object]
                                                          ) -> None:
    sealer = Sealer(key)
    expected = hmac.digest(key, canonical_json(["edges", *parts]), hashlib.sha256)
    assert sealer.mac("edges", *parts) == expected.hex()
    count, total, bad = sealer.scan("edges", [("E", "k", tuple(parts), expected.hex())])
    assert (count, total, bad) == (1, int.from_bytes(expected), None)
    assert sealer.scan("edges", [("E", "k", tuple(parts), "0" * 64)])[2] == (
        "E", "k", "edited")
