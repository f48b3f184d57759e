"""Storage failures as the project's errors: a full disk is `StorageFull` (507), a
damaged database file `StoreCorrupted` (503), any other SQLite or I/O failure
`StoreUnavailable` (503) — never a library exception reaching a caller."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import StorageFull, StoreCorrupted, StoreError, StoreUnavailable

_FULL = {sqlite3.SQLITE_FULL}
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def storage_error(exc: BaseException, where: str | None = None) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in _FULL or (isinstance(exc, OSError) and exc.errno in _NO_SPACE) or \
            "disk is full" in text:
        return StorageFull(f"the disk under the store is full: {text}", where=where,
                           hint="free space or grow the volume; the failed write kept "
                           "nothing, so retry afterwards")
    if primary in _CORRUPT or "malformed" in text or "not a database" in text:
        return StoreCorrupted(f"the store's database file is damaged: {text}", where=where,
                              hint="restore from a backup (see docs/runbooks.md)")
    return StoreUnavailable(f"the store failed: {type(exc).__name__}: {text}", where=where,
                            hint="retry; if it persists, check the store's volume")


def is_storage_failure(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.Error) or (isinstance(exc, OSError)
                                              and exc.errno in _NO_SPACE)


@contextmanager
def storage_errors(where: str | None = None) -> Iterator[None]:
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        if not is_storage_failure(exc):
            raise
        raise storage_error(exc, where) from exc
