"""Keyed seals on stored rows, so rows added, edited or deleted outside the system show.

With an integrity key (kept outside the database: `PROVENANCE_INTEGRITY_KEY_FILE` or
`PROVENANCE_INTEGRITY_KEY`), every row a store writes carries `mac` = HMAC-SHA256 over
its table and its stored content, and every write transaction adds the change of each
table's row count and of the sum of its row MACs (mod 2^256) to that table's seal, itself
MAC'd and versioned. Without the key nobody can compute a valid row MAC (so an added or
edited row fails its check) nor a valid seal for a new count and sum (so a deleted row
shows as a count/sum mismatch). `ops/integrity.py` recomputes both from the stored rows.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .ledger import canonical_json

KEY_ENV = "PROVENANCE_INTEGRITY_KEY"
KEY_FILE_ENV = "PROVENANCE_INTEGRITY_KEY_FILE"
MODULUS = 2**256
ZERO = "0" * 64
# The sealed tables every backend keeps (Neo4j: labels and relationship types grouped so).
TABLES = ("documents", "nodes", "edges", "records", "logs")


def key_from_env(env: Mapping[str, str] | None = None) -> bytes | None:
    """The integrity key, or None when none is configured (rows are then not sealed)."""
    env = os.environ if env is None else env
    path = env.get(KEY_FILE_ENV)
    if path:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the integrity key: {exc.strerror}",
                              where=path) from exc
    else:
        key = env.get(KEY_ENV, "").strip().encode()
    if not key:
        return None
    if len(key) < 16:
        raise ConfigError("the integrity key is shorter than 16 bytes",
                          where=path or KEY_ENV, hint="use e.g. `openssl rand -hex 32`")
    return key


@dataclass(frozen=True, slots=True)
class Seal:
    """A table's sealed state: row count, sum of row MACs, version, and its own MAC."""

    table: str
    count: int = 0
    total: str = ZERO
    version: int = 0
    mac: str | None = None


class Sealer:
    def __init__(self, key: bytes) -> None:
        # HMAC-SHA256 (RFC 2104) from the two padded-key states, computed once: a row's
        # MAC is then two hash copies instead of a fresh HMAC set-up (2× faster on the
        # millions of rows a restore or `integrity verify` seals).
        self.key = key  # handed to a bulk load's MAC process (store/mac_worker.py)
        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def digest(self, message: bytes) -> bytes:
        """HMAC-SHA256 of `message` under the key (equal to `hmac.digest`)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def mac(self, table: str, *parts: Any) -> str:
        return self.digest(canonical_json([table, *parts])).hex()

    def scan(self, table: str, rows: Iterable[tuple[str, str, tuple[object, ...], str | None]]
             ) -> tuple[int, int, tuple[str, str, str] | None]:
        """(rows, sum of their MACs, first bad row as (label, key, "missing"|"edited"))
        over stored rows, stopping at the first bad one."""
        digest, same = self.digest, hmac.compare_digest
        count = total = 0
        for label, row_key, parts, mac in rows:
            if mac is None:
                return count, total, (label, row_key, "missing")
            mine = digest(canonical_json([table, *parts]))
            if not same(mine.hex(), mac):
                return count, total, (label, row_key, "edited")
            count += 1
            total += int.from_bytes(mine)
        return count, total, None

    def seal_mac(self, table: str, count: int, total: str, version: int) -> str:
        return self.mac("seal", table, count, total, version)

    def sealed(self, table: str, count: int, total: str, version: int) -> Seal:
        return Seal(table, count, total, version, self.seal_mac(table, count, total, version))

    def valid(self, seal: Seal) -> bool:
        if seal.mac is None:  # a table never written has no seal: empty
            return seal.count == 0 and seal.total == ZERO and seal.version == 0
        return hmac.compare_digest(seal.mac, self.seal_mac(seal.table, seal.count,
                                                           seal.total, seal.version))

    def advance(self, seal: Seal, count: int, total: int) -> Seal | None:
        """The seal after a transaction changed the table by (count, total), or None when
        the stored seal is not valid (it is left as found, for `integrity verify`)."""
        if not self.valid(seal):
            return None
        new_total = (int(seal.total, 16) + total) % MODULUS
        return self.sealed(seal.table, seal.count + count, f"{new_total:064x}",
                           seal.version + 1)


@dataclass(slots=True)
class Tally:
    """One write transaction's changes per table: rows added minus removed, and the sum
    of added row MACs minus removed ones."""

    counts: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def change(self, table: str, old: str | None, new: str | None) -> None:
        if old == new:
            return
        count, total = self.counts.get(table, 0), self.totals.get(table, 0)
        if old is not None:
            count -= 1
            total -= int(old, 16)
        if new is not None:
            count += 1
            total += int(new, 16)
        self.counts[table], self.totals[table] = count, total

    def add(self, table: str, mac: str | None) -> None:
        self.change(table, None, mac)

    def remove(self, table: str, mac: str | None) -> None:
        self.change(table, mac, None)

    def tables(self) -> list[str]:
        return sorted(t for t in self.counts if self.counts[t] or self.totals[t] % MODULUS)

    def clear(self) -> None:
        self.counts.clear()
        self.totals.clear()
