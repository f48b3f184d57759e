"""Settings from the environment (adapters read them; the core takes values)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from .documents import Limits
from .errors import ConfigError


def default_db_url() -> str:
    return "sqlite:///" + str(Path(user_data_dir("provenance-linker")) / "provenance.db")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str
    queue_url: str | None
    limits: Limits
    slow_query_seconds: float
    log_level: str

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        base = Limits()
        return cls(
            db_url=db_url or os.environ.get("PROVENANCE_DB") or default_db_url(),
            queue_url=os.environ.get("PROVENANCE_QUEUE") or None,
            limits=Limits(
                max_bytes=_int("PROVENANCE_MAX_DOCUMENT_BYTES", base.max_bytes),
                max_depth=_int("PROVENANCE_MAX_DEPTH", base.max_depth),
                max_components=_int("PROVENANCE_MAX_COMPONENTS", base.max_components),
            ),
            slow_query_seconds=_int("PROVENANCE_SLOW_QUERY_MS", 500) / 1000,
            log_level=os.environ.get("PROVENANCE_LOG_LEVEL", "ERROR"),
        )


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """OCI registry access (`ingest image`, the worker's image jobs)."""

    insecure_hosts: tuple[str, ...]
    ca_bundle: str | None
    concurrency: int
    slow_seconds: float

    @classmethod
    def from_env(cls) -> RegistrySettings:
        hosts = os.environ.get("PROVENANCE_INSECURE_REGISTRIES", "")
        return cls(insecure_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
                   ca_bundle=os.environ.get("PROVENANCE_REGISTRY_CA_BUNDLE") or None,
                   concurrency=max(1, _int("PROVENANCE_REGISTRY_CONCURRENCY", 8)),
                   slow_seconds=_int("PROVENANCE_REGISTRY_SLOW_MS", 2000) / 1000)
