"""The Neo4j store's operational state: records (tokens, blocks, keys, settings) and
hash-chained logs (audit trail, ledger), as `Record`, `LogStream` and `LogEntry` nodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ..model import LogEntry
from . import neo4j_schema as schema
from .neo4j_props import dumps, loads
from .neo4j_write import append_log, delete_record, import_log, put_record
from .seal import Sealer

T = TypeVar("T")


class OperationalState:
    """Records and logs over the store's sessions (`_rows` reads, `_write` writes)."""

    _clock: Callable[[], datetime]
    sealer: Sealer | None

    def _rows(self, queries: Sequence[str], params: Mapping[str, Any],
              collected: bool = False) -> list[list[Any]]:
        raise NotImplementedError

    def _write(self, work: Callable[..., T], *args: Any, conflict_retries: int = 0) -> T:
        raise NotImplementedError

    def put_record(self, collection: str, key: str, value: Mapping[str, Any]) -> None:
        self._write(put_record, collection, key, dumps(dict(value)), self.sealer)

    def get_record(self, collection: str, key: str) -> dict[str, Any] | None:
        rows = self._rows([f"MATCH (r:{schema.RECORD} {{collection: $c, key: $k}}) "
                           "RETURN r.value"], {"c": collection, "k": key})
        return loads(rows[0][0]) if rows else None

    def list_records(self, collection: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._rows([f"MATCH (r:{schema.RECORD} {{collection: $c}}) "
                           "RETURN r.key, r.value ORDER BY r.key"], {"c": collection})
        return [(k, loads(v)) for k, v in rows]

    def delete_record(self, collection: str, key: str) -> bool:
        return self._write(delete_record, collection, key, self.sealer)

    def record_collections(self) -> list[str]:
        rows = self._rows([f"MATCH (r:{schema.RECORD}) RETURN DISTINCT r.collection AS c "
                           "ORDER BY c"], {})
        return [r[0] for r in rows]

    def append_log(self, stream: str, payload: Mapping[str, Any]) -> LogEntry:
        at = self._clock().isoformat()
        return self._write(append_log, stream, dict(payload), at, self.sealer)

    def change_records(self, puts: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
                       deletes: Sequence[tuple[str, str]] = (),
                       log: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> list[bool]:
        rows = [(c, k, dumps(dict(v))) for c, k, v in puts]
        entries = [(stream, dict(payload)) for stream, payload in log]
        at = self._clock().isoformat()

        def work(tx: Any) -> list[bool]:
            for collection, key, value in rows:
                put_record(tx, collection, key, value, self.sealer)
            found = [delete_record(tx, c, k, self.sealer) for c, k in deletes]
            for stream, payload in entries:
                append_log(tx, stream, payload, at, self.sealer)
            return found

        return self._write(work)

    def read_log(self, stream: str, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        query = (f"MATCH (e:{schema.LOG_ENTRY}) WHERE e.stream = $s AND e.seq > $after "
                 "RETURN e.seq, e.at, e.payload, e.prev_hash, e.hash ORDER BY e.seq")
        params: dict[str, Any] = {"s": stream, "after": after}
        if limit is not None:
            query += " LIMIT $limit"
            params["limit"] = limit
        return [LogEntry(stream, seq, at, loads(p), prev, h)
                for seq, at, p, prev, h in self._rows([query], params)]

    def log_streams(self) -> list[str]:
        rows = self._rows([f"MATCH (s:{schema.LOG_STREAM}) RETURN s.stream ORDER BY s.stream"],
                          {})
        return [r[0] for r in rows]

    def import_log(self, stream: str, entries: Sequence[LogEntry]) -> int:
        """Write entries copied from another store verbatim; they must continue the chain."""
        return self._write(import_log, stream, list(entries), self.sealer)
