"""The caller's address: the socket peer, or `X-Forwarded-For` only from trusted proxies.

No forwarded header is believed unless the operator names the proxies in front of the
API (`serve --trusted-proxy CIDR`, `PROVENANCE_TRUSTED_PROXIES`): otherwise any caller
could pick the address that blocks, throttles and the audit trail see. A forwarded hop
that is not an IP address ends the walk, so garbage is never recorded as an address.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ConfigError

TRUSTED_PROXIES_ENV = "PROVENANCE_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def valid_ip(text: str | None) -> str | None:
    """The address in canonical form, or None when `text` is not one IP address."""
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, items: Iterable[str]) -> TrustedProxies:
        networks: list[Network] = []
        for item in items:
            for part in item.split(","):
                if not part.strip():
                    continue
                try:
                    networks.append(ipaddress.ip_network(part.strip(), strict=False))
                except ValueError as exc:
                    raise ConfigError(f"trusted proxy {part.strip()!r} is not an IP address "
                                      "or CIDR network", hint="e.g. 10.0.0.0/8") from exc
        return cls(tuple(networks))

    @classmethod
    def from_env(cls) -> TrustedProxies:
        return cls.parse([os.environ.get(TRUSTED_PROXIES_ENV, "")])

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client(self, peer: str | None, forwarded_for: list[str]) -> str | None:
        """Walk `X-Forwarded-For` from the right while the hop is a trusted proxy."""
        address = valid_ip(peer)
        if address is None or not self.networks:
            return address
        hops = [h.strip() for value in forwarded_for for h in value.split(",")]
        while address is not None and self.trusts(address) and hops:
            hop = valid_ip(hops.pop())
            if hop is None:
                break  # an unparsable hop: keep the last address we can vouch for
            address = hop
        return address
