"""`WWW-Authenticate` challenges (RFC 7235) as registries send them:
`Bearer realm="https://auth/token",service="registry",scope="repository:x:pull"`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower case: "basic" or "bearer"
    params: dict[str, str] = field(default_factory=dict)


def parse_challenge(header: str) -> Challenge | None:
    value = header.strip()
    if not value:
        return None
    scheme, _, rest = value.partition(" ")
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None:
            break
        quoted, bare = match.group(2), match.group(3)
        params[match.group(1).lower()] = (re.sub(r"\\(.)", r"\1", quoted)
                                          if quoted is not None else bare or "")
        position = match.end()
    return Challenge(scheme.lower(), params)
