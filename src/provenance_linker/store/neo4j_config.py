"""Connecting to Neo4j: the store URL, credentials, database name and driver settings.

`neo4j://host:7687` (routing, for clusters), `neo4j+s://` (TLS, e.g. Aura), `bolt://`
(one server). Credentials come from, in order: keyword options, the URL's user-info,
`NEO4J_USERNAME` / `NEO4J_PASSWORD`, or `NEO4J_PASSWORD_FILE` (a mounted secret). The
database is `?database=name` in the URL, else `NEO4J_DATABASE`, else the server's
default. Other query parameters are passed on as the driver's routing context.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ..errors import ConfigError

SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
DEFAULT_USER = "neo4j"
DEFAULT_PORT = 7687


@dataclass(frozen=True, slots=True)
class Neo4jTarget:
    uri: str  # what the driver connects to: scheme://host:port[?routing context]
    display: str  # the URL with any password masked, for messages and logs
    database: str | None
    username: str
    password: str | None

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.password is not None else None


def _read_password_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"cannot read NEO4J_PASSWORD_FILE: {exc.strerror}", where=path,
                          hint="mount the secret file or set NEO4J_PASSWORD") from exc


def parse_target(url: str, *, username: str | None = None, password: str | None = None,
                 database: str | None = None,
                 env: Mapping[str, str] | None = None) -> Neo4jTarget:
    """Split a store URL into the driver URI, the credentials and the database."""
    environ = os.environ if env is None else env
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"not a Neo4j URL scheme: {scheme!r}", where=url,
                          hint="use neo4j://host:7687, neo4j+s://host or bolt://host:7687")
    try:
        host = parts.hostname
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise ConfigError(f"invalid Neo4j URL: {exc}", where=url) from exc
    if not host:
        raise ConfigError("the Neo4j URL names no host", where=url,
                          hint="use neo4j://host:7687")
    query = parse_qsl(parts.query, keep_blank_values=True)
    url_database = next((v for k, v in query if k == "database"), None)
    routing = [(k, v) for k, v in query if k != "database"]
    if routing and scheme.startswith("bolt"):
        raise ConfigError("bolt:// URLs take no parameters other than database", where=url,
                          hint="use neo4j:// for routing parameters")
    host_text = f"[{host}]" if ":" in host else host
    uri = f"{scheme}://{host_text}:{port}" + (f"?{urlencode(routing)}" if routing else "")
    user = (username or (unquote(parts.username) if parts.username else None)
            or environ.get("NEO4J_USERNAME") or DEFAULT_USER)
    secret = password
    if secret is None and parts.password is not None:
        secret = unquote(parts.password)
    if secret is None:
        secret = environ.get("NEO4J_PASSWORD") or None
    if secret is None and environ.get("NEO4J_PASSWORD_FILE"):
        secret = _read_password_file(environ["NEO4J_PASSWORD_FILE"])
    db = database or url_database or environ.get("NEO4J_DATABASE") or None
    shown_user = f"{user}:***@" if parts.password is not None else (
        f"{user}@" if parts.username else "")
    display = f"{scheme}://{shown_user}{host_text}:{port}"
    if db:
        display += f"?database={db}"
    return Neo4jTarget(uri=uri, display=display, database=db, username=user, password=secret)
