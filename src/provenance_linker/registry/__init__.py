"""Evidence from where it lives: OCI registries.

`transport` (HTTP, TLS, auth, retries, bounds) → `client` (distribution API, digest
checks, `cache`) → `discovery` (cosign tags, referrers API, referrers tag schema) →
`fetch` (ingest through the orchestrator). `open_client` is what adapters call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cache import DigestCache, default_cache_dir
from .client import RegistryClient
from .credentials import CredentialStore
from .transport import Transport, TransportOptions


@dataclass(frozen=True, slots=True)
class AccessOptions:
    insecure_hosts: tuple[str, ...] = ()
    ca_bundle: str | None = None
    docker_config: Path | None = None
    cache_dir: Path | None = None  # default: the user cache dir (PROVENANCE_REGISTRY_CACHE)
    memory_cache: bool = False
    concurrency: int = 8
    slow_seconds: float = 2.0


def open_client(options: AccessOptions | None = None) -> RegistryClient:
    options = options or AccessOptions()
    transport = Transport(
        TransportOptions(insecure_hosts=frozenset(options.insecure_hosts),
                         ca_bundle=options.ca_bundle, max_connections=options.concurrency,
                         slow_seconds=options.slow_seconds),
        CredentialStore.from_file(options.docker_config))
    cache = DigestCache(None if options.memory_cache else
                        (options.cache_dir or default_cache_dir()))
    return RegistryClient(transport, cache)


__all__ = ["AccessOptions", "DigestCache", "RegistryClient", "open_client"]
