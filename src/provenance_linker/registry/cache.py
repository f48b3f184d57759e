"""Manifests and blobs kept by digest: content-addressed, so an entry never goes stale.
A second fetch of unchanged evidence reads them here and asks the registry only for
tags and referrers. Entries are re-hashed when read; a damaged one is dropped."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from platformdirs import user_cache_dir


def default_cache_dir() -> Path:
    configured = os.environ.get("PROVENANCE_REGISTRY_CACHE")
    if configured:
        return Path(configured)
    return Path(user_cache_dir("provenance-linker")) / "registry"


class DigestCache:
    """`sha256:HEX` → bytes, on disk (a directory) or in memory (`path=None`)."""

    def __init__(self, path: Path | None, *, max_entry_bytes: int = 64 * 1024 * 1024) -> None:
        self.path = path
        self.max_entry_bytes = max_entry_bytes
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _file(self, digest: str) -> Path:
        assert self.path is not None
        algorithm, _, hexdigest = digest.partition(":")
        return self.path / algorithm / hexdigest[:2] / hexdigest

    def get(self, digest: str) -> bytes | None:
        if self.path is None:
            with self._lock:
                return self._memory.get(digest)
        file = self._file(digest)
        try:
            data = file.read_bytes()
        except OSError:
            return None
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            file.unlink(missing_ok=True)
            return None
        return data

    def put(self, digest: str, data: bytes) -> None:
        """Store bytes already checked against `digest` by the caller."""
        if len(data) > self.max_entry_bytes:
            return
        if self.path is None:
            with self._lock:
                self._memory[digest] = data
            return
        file = self._file(digest)
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, file)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
