"""Per-invocation state shared by commands: settings and the lazily opened store."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from ..config import Settings
from ..store import open_store
from ..store.interface import GraphStore


@dataclass
class AppState:
    settings: Settings
    debug: bool = False
    _store: GraphStore | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.settings.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, AppState):
        raise RuntimeError("CLI state not initialised")
    return obj
