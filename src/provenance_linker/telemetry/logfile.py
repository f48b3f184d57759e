"""Optional log file with rotation (`PROVENANCE_LOG_FILE`): the JSON lines go to stderr
as always and to the file, which rotates at `PROVENANCE_LOG_MAX_BYTES` (default 50 MB)
keeping `PROVENANCE_LOG_BACKUPS` old files (default 5) — for hosts without a log
collector (in Kubernetes the kubelet rotates container logs)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from logging.handlers import RotatingFileHandler


class TeeToRotatingFile:
    def __init__(self, path: str, max_bytes: int, backups: int) -> None:
        self._handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                            encoding="utf-8")
        self._handler.setFormatter(logging.Formatter("%(message)s"))

    def write(self, text: str) -> int:
        sys.stderr.write(text)
        for line in text.splitlines():
            if line:
                self._handler.handle(logging.makeLogRecord({"msg": line}))
        return len(text)

    def flush(self) -> None:
        sys.stderr.flush()
        self._handler.flush()


def from_env(env: Mapping[str, str]) -> TeeToRotatingFile | None:
    path = env.get("PROVENANCE_LOG_FILE")
    if not path:
        return None
    max_bytes = env.get("PROVENANCE_LOG_MAX_BYTES", "")
    backups = env.get("PROVENANCE_LOG_BACKUPS", "")
    return TeeToRotatingFile(path, int(max_bytes) if max_bytes.isdigit() else 50_000_000,
                             int(backups) if backups.isdigit() else 5)
