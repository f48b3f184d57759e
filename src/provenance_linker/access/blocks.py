"""Blocked users and source networks: shared records every replica reads, so a block
takes effect everywhere."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import UsageError
from ..store.interface import GraphStore
from . import audit

BLOCKS = "blocks"


def block_key(*, user: str | None = None, ip: str | None = None) -> str:
    if (user is None) == (ip is None):
        raise UsageError("give exactly one of --user or --ip")
    if user is not None:
        return f"user:{user}"
    assert ip is not None
    try:
        return f"ip:{ipaddress.ip_network(ip, strict=False)}"
    except ValueError as exc:
        raise UsageError(f"not an IP address or CIDR: {ip!r}") from exc


def block(store: GraphStore, key: str, reason: str | None = None, *, actor: str
          ) -> dict[str, Any]:
    """Block a user or network (audited)."""
    record = {"key": key, "created": datetime.now(UTC).isoformat(), "reason": reason}
    audit.changed(store, action="auth.block", actor=actor, target=key,
                  puts=[(BLOCKS, key, record)], reason=reason)
    return record


def unblock(store: GraphStore, key: str, *, actor: str) -> bool:
    """Lift a block (audited); False when there was none."""
    if store.get_record(BLOCKS, key) is None:
        return False
    return audit.changed(store, action="auth.unblock", actor=actor, target=key,
                         deletes=[(BLOCKS, key)])[0]


def list_blocks(store: GraphStore) -> list[dict[str, Any]]:
    return sorted((v for _, v in store.list_records(BLOCKS)), key=lambda r: str(r["key"]))


@dataclass(frozen=True, slots=True)
class BlockList:
    users: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def load(cls, store: GraphStore) -> BlockList:
        users: set[str] = set()
        nets = []
        for key, _ in store.list_records(BLOCKS):
            kind, _, value = key.partition(":")
            if kind == "user":
                users.add(value)
            elif kind == "ip":
                nets.append(ipaddress.ip_network(value, strict=False))
        return cls(frozenset(users), tuple(nets))

    def ip_blocked(self, ip: str | None) -> bool:
        if ip is None or not self.networks:
            return False
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr.version == n.version and addr in n for n in self.networks)

    def user_blocked(self, name: str) -> bool:
        return name in self.users
