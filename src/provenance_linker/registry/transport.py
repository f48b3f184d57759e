"""HTTP to registries: TLS (custom CA bundle, `--insecure-registry` hosts only when
named), the Basic and Bearer token flows, redirects that never carry credentials to
another host, retries with backoff on 429/5xx honouring `Retry-After`, and bounded
response sizes. One instance is shared by the fetch threads (httpx.Client is)."""

from __future__ import annotations

import base64
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import httpcore
import httpx

from ..errors import ConfigError, RegistryError
from ..telemetry import events
from ..telemetry import metrics as m
from ..telemetry.logging import get_logger
from .challenge import Challenge, parse_challenge
from .credentials import Credential, CredentialStore

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class TransportOptions:
    insecure_hosts: frozenset[str] = frozenset()  # plain HTTP / unverified TLS allowed
    ca_bundle: str | None = None  # PEM file trusted in addition to the system roots
    max_connections: int = 8
    attempts: int = 4  # per request, the first included
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is reported, not waited out
    timeout: float = 30.0
    slow_seconds: float = 2.0  # a request slower than this logs `slow_registry`


@dataclass(slots=True)
class Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


@dataclass(slots=True)
class _Tokens:
    values: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    basic: set[str] = field(default_factory=set)  # hosts that asked for Basic
    lock: threading.Lock = field(default_factory=threading.Lock)


def _ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load CA bundle: {exc}", where=ca_bundle) from exc
    return context


class Transport:
    def __init__(self, options: TransportOptions | None = None,
                 credentials: CredentialStore | None = None, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options or TransportOptions()
        self.credentials = credentials or CredentialStore()
        self._sleep = sleep
        self._limits = httpx.Limits(max_connections=self.options.max_connections,
                                    max_keepalive_connections=self.options.max_connections)
        self._timeout = httpx.Timeout(self.options.timeout)
        if self.options.ca_bundle:  # a bad bundle is an error now, not at the first fetch
            _ssl_context(self.options.ca_bundle)
        self._verified_client: httpx.Client | None = None
        self._unverified = httpx.Client(verify=False, limits=self._limits,
                                        timeout=self._timeout, follow_redirects=False)
        # The registry API's own requests go through httpcore's pools (what httpx.Client
        # wraps): a fetch makes hundreds of small requests, and httpx's URL, cookie and
        # auth layers, which these never use, were two fifths of their CPU time. The
        # token service and the HTTPS probe keep the httpx clients above.
        self._verified_pool_made: httpcore.ConnectionPool | None = None
        self._unverified_pool = self._pool(_unverified_context())
        seconds = self.options.timeout
        self._extensions = {"timeout": {"connect": seconds, "read": seconds,
                                        "write": seconds, "pool": seconds}}
        self._schemes: dict[str, str] = {}
        self._tokens = _Tokens()
        self._lock = threading.Lock()

    @property
    def _verified(self) -> httpx.Client:
        """The TLS-verifying client, made on first use (loading CA roots takes ~0.15 s)."""
        with self._lock:
            if self._verified_client is None:
                self._verified_client = httpx.Client(
                    verify=_ssl_context(self.options.ca_bundle), limits=self._limits,
                    timeout=self._timeout, follow_redirects=False)
            return self._verified_client

    def _pool(self, context: ssl.SSLContext) -> httpcore.ConnectionPool:
        return httpcore.ConnectionPool(ssl_context=context,
                                       max_connections=self.options.max_connections,
                                       max_keepalive_connections=self.options.max_connections)

    @property
    def _verified_pool(self) -> httpcore.ConnectionPool:
        with self._lock:
            if self._verified_pool_made is None:
                self._verified_pool_made = self._pool(_ssl_context(self.options.ca_bundle))
            return self._verified_pool_made

    def close(self) -> None:
        if self._verified_client is not None:
            self._verified_client.close()
        self._unverified.close()
        if self._verified_pool_made is not None:
            self._verified_pool_made.close()
        self._unverified_pool.close()

    # --- the one entry point -------------------------------------------------------------
    def request(self, method: str, host: str, path: str, *, scope: str, accept: str = "",
                limit: int, what: str) -> Response:
        """`method` `path` on registry `host`, authenticated for `scope`; the body is
        read up to `limit` bytes (more is refused). 2xx, 404 and 405 are returned;
        everything else is a `RegistryError` naming `what`."""
        started = time.perf_counter()
        result = "error"
        try:
            response = self._with_retries(method, host, path, scope, accept, limit, what)
            result = "ok" if response.status < 300 else "not_found"
            m.registry_fetch_bytes_total.labels(registry=host).inc(len(response.body))
            return response
        except RegistryError as exc:
            result = exc.result
            raise
        finally:
            elapsed = time.perf_counter() - started
            m.registry_fetches_total.labels(registry=host, result=result).inc()
            m.registry_fetch_duration_seconds.labels(registry=host).observe(elapsed)
            if elapsed >= self.options.slow_seconds:
                get_logger().warning(events.SLOW_REGISTRY, registry=host, method=method,
                                     path=path, result=result,
                                     duration_ms=round(elapsed * 1000, 1))

    def _with_retries(self, method: str, host: str, path: str, scope: str, accept: str,
                      limit: int, what: str) -> Response:
        attempts = max(1, self.options.attempts)
        for attempt in range(1, attempts + 1):
            try:
                response = self._authenticated(method, host, path, scope, accept, limit, what)
            except httpx.TransportError as exc:
                if attempt == attempts:
                    raise _error(f"cannot reach registry {host}: {exc}", what, "unreachable"
                                 ) from exc
                self._sleep(self._backoff(attempt, None))
                continue
            if response.status not in RETRY_STATUS:
                return response
            wait = self._backoff(attempt, response.headers.get("retry-after"))
            label = "rate_limited" if response.status == 429 else "server_error"
            if attempt == attempts or wait > self.options.max_retry_after:
                reason = ("rate-limited (429)" if response.status == 429
                          else f"failed with HTTP {response.status}")
                raise _error(f"registry {host} {reason} after {attempt} attempt(s)", what,
                             label, hint=f"it asked to retry after {wait:.0f} s"
                             if response.headers.get("retry-after") else None)
            self._sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return max(0.0, float(retry_after.strip()))
            except ValueError:
                from email.utils import parsedate_to_datetime

                try:
                    return max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time())
                except (TypeError, ValueError):
                    pass
        delay = min(self.options.backoff_cap, self.options.backoff_base * 2.0 ** (attempt - 1))
        return float(delay * (0.5 + random.random() / 2))  # jitter, not a secret

    # --- authentication ------------------------------------------------------------------
    def _authenticated(self, method: str, host: str, path: str, scope: str, accept: str,
                       limit: int, what: str) -> Response:
        response = self._send(method, host, path, accept, self._auth_header(host, scope),
                              limit, what)
        if response.status != 401:
            return response
        challenge = parse_challenge(response.headers.get("www-authenticate", ""))
        if challenge is None:
            raise _error(f"registry {host} answered 401 without a challenge", what,
                         "unauthorized")
        self._answer(challenge, host, scope, what)
        response = self._send(method, host, path, accept, self._auth_header(host, scope),
                              limit, what)
        if response.status == 401:
            raise _error(f"registry {host} refused the credentials (401)", what,
                         "unauthorized", hint="check `docker login` / ~/.docker/config.json")
        return response

    def _auth_header(self, host: str, scope: str) -> str | None:
        with self._tokens.lock:
            token = self._tokens.values.get((host, scope))
            basic = host in self._tokens.basic
        if token is not None and token[1] > time.time():
            return f"Bearer {token[0]}"
        if basic:
            credential = self.credentials.get(host)
            if credential and credential.username is not None:
                raw = f"{credential.username}:{credential.password or ''}".encode()
                return "Basic " + base64.b64encode(raw).decode()
        return None

    def _answer(self, challenge: Challenge, host: str, scope: str, what: str) -> None:
        credential = self.credentials.get(host)
        if challenge.scheme == "basic":
            if credential is None or credential.username is None:
                raise _error(f"registry {host} needs a login", what, "unauthorized",
                             hint="add credentials to ~/.docker/config.json (docker login)")
            with self._tokens.lock:
                self._tokens.basic.add(host)
            return
        if challenge.scheme != "bearer" or "realm" not in challenge.params:
            raise _error(f"registry {host} sent an unsupported challenge "
                         f"{challenge.scheme!r}", what, "unauthorized")
        token, lifetime = self._fetch_token(challenge, host, scope, credential, what)
        with self._tokens.lock:
            self._tokens.values[(host, scope)] = (token, time.time() + max(10, lifetime - 10))

    def _fetch_token(self, challenge: Challenge, host: str, scope: str,
                     credential: Credential | None, what: str) -> tuple[str, float]:
        realm = challenge.params["realm"]
        parts = urlsplit(realm)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise _error(f"registry {host} named a bad token realm {realm!r}", what,
                         "unauthorized")
        if parts.scheme == "http" and host not in self.options.insecure_hosts:
            raise _error(f"registry {host} named a plain-HTTP token realm {realm!r}", what,
                         "unauthorized", hint="credentials travel to the realm only over "
                         "HTTPS, unless the registry is named with --insecure-registry")
        query = {"service": challenge.params.get("service", host),
                 "scope": challenge.params.get("scope", scope)}
        headers: dict[str, str] = {}
        client = self._client_for(parts.netloc, parts.scheme)
        try:
            if credential is not None and credential.identity_token:
                reply = client.post(realm, data={**query, "grant_type": "refresh_token",
                                                 "refresh_token": credential.identity_token,
                                                 "client_id": "provenance-linker"})
            else:
                if credential is not None and credential.username is not None:
                    raw = f"{credential.username}:{credential.password or ''}".encode()
                    headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
                sep = "&" if parts.query else "?"
                reply = client.get(realm + sep + urlencode(query), headers=headers)
        except httpx.TransportError as exc:
            raise _error(f"cannot reach token service {parts.netloc}: {exc}", what,
                         "unreachable") from exc
        if reply.status_code != 200 or len(reply.content) > 1024 * 1024:
            raise _error(f"token service {parts.netloc} answered HTTP {reply.status_code}",
                         what, "unauthorized", hint="check the registry credentials")
        try:
            data = reply.json()
            token = data.get("token") or data.get("access_token")
            lifetime = float(data.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError) as exc:
            raise _error(f"token service {parts.netloc} answered no token", what,
                         "unauthorized") from exc
        if not isinstance(token, str) or not token:
            raise _error(f"token service {parts.netloc} answered no token", what,
                         "unauthorized")
        return token, lifetime

    # --- one HTTP exchange, redirects followed by hand ----------------------------------
    def _client_for(self, netloc: str, scheme: str) -> httpx.Client:
        if scheme == "https" and netloc in self.options.insecure_hosts:
            return self._unverified
        return self._verified

    def _scheme(self, host: str) -> str:
        if host not in self.options.insecure_hosts:
            return "https"
        with self._lock:
            known = self._schemes.get(host)
        if known:
            return known
        try:  # like docker: HTTPS without verification first, then plain HTTP
            self._unverified.get(f"https://{host}/v2/", timeout=5)
            scheme = "https"
        except httpx.TransportError:
            scheme = "http"
        with self._lock:
            self._schemes[host] = scheme
        return scheme

    def _pool_for(self, netloc: str, scheme: str) -> httpcore.ConnectionPool:
        if scheme == "https" and netloc in self.options.insecure_hosts:
            return self._unverified_pool
        return self._verified_pool

    def _send(self, method: str, host: str, path: str, accept: str,
              authorization: str | None, limit: int, what: str) -> Response:
        url = f"{self._scheme(host)}://{host}{path}"
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            headers = [(b"Accept", accept.encode())] if accept else []
            if authorization and parts.netloc == host:  # credentials stay with their host
                headers.append((b"Authorization", authorization.encode()))
            if parts.scheme not in ("http", "https"):
                raise _error(f"refusing {url} (not HTTP)", what, "refused")
            if parts.scheme == "http" and parts.netloc not in self.options.insecure_hosts:
                raise _error(f"refusing plain-HTTP {url} (not an --insecure-registry host)",
                             what, "refused")
            pool = self._pool_for(parts.netloc, parts.scheme)
            try:
                with pool.stream(method, url, headers=headers,
                                 extensions=self._extensions) as reply:
                    reply_headers = httpx.Headers(reply.headers)
                    if reply.status in (301, 302, 303, 307, 308):
                        location = reply_headers.get("location")
                        if not location:
                            raise _error(f"redirect without Location from {host}", what,
                                         "refused")
                        url = urljoin(url, location)
                        continue
                    # A HEAD reply is read too (it has no body): a response closed unread
                    # closes its connection, and every tag look-up would open a new one.
                    body = reply.read() if method == "HEAD" else _read_bounded(
                        reply.iter_stream(), reply_headers.get("content-length"), limit,
                        what)
                    return Response(reply.status, reply_headers, body, url)
            except _TRANSPORT_ERRORS as exc:  # the retry loop handles httpx's kind
                raise httpx.TransportError(str(exc) or type(exc).__name__) from exc
        raise _error(f"more than {MAX_REDIRECTS} redirects from {host}", what, "refused")


_TRANSPORT_ERRORS = (httpcore.NetworkError, httpcore.TimeoutException, httpcore.ProtocolError,
                     httpcore.ProxyError, httpcore.UnsupportedProtocol)


def _unverified_context() -> ssl.SSLContext:
    """For the --insecure-registry hosts only: TLS without certificate checks."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _read_bounded(chunks: Iterable[bytes], length: str | None, limit: int, what: str) -> bytes:
    if length is not None and length.isdigit() and int(length) > limit:
        raise _error(f"{what} is {int(length)} bytes, over the limit of {limit}", what,
                     "too_large")
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise _error(f"{what} is over the limit of {limit} bytes", what, "too_large")
    return bytes(out)


def _error(message: str, what: str, result: str, *, hint: str | None = None) -> RegistryError:
    return RegistryError(message, where=what, hint=hint, result=result)
