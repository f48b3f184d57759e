"""Per-process answer cache for read routes whose answer depends only on the graph.

An entry is valid while the change ledger's head (every ingest appends to it in the same
transaction) is unchanged and for at most `max_age` seconds, so a cached answer is never
older than the last ingest this replica can see, nor than `max_age`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ..store.interface import GraphStore
from ..store.ledger import LEDGER_STREAM


class GraphAnswerCache:
    def __init__(self, store: GraphStore, *, max_age: float = 5.0,
                 max_entries: int = 1024) -> None:
        self._store = store
        self._max_age = max_age
        self._max_entries = max_entries
        self._head = 0
        self._entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _ledger_head(self) -> int:
        newer = self._store.read_log(LEDGER_STREAM, after=self._head)
        if newer:
            self._head = newer[-1].seq
        return self._head

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            head = self._ledger_head()
            hit = self._entries.get(key)
            now = time.monotonic()
            if hit is not None and hit[0] == head and now - hit[1] <= self._max_age:
                self._entries.move_to_end(key)
                return hit[2]
        value = compute()
        with self._lock:
            self._entries[key] = (head, now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value
