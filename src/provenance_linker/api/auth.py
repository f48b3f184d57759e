"""Bearer-token authentication, role checks, blocks and throttling for every route.

A refused mutation (no token, bad or revoked token, wrong role, blocked) is logged as
`unauthorized_modification`, counted in `provenance_unauthorized_modifications_total`
and appended to the audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from ..access import audit
from ..access.throttle import retry_after_seconds
from ..access.tokens import Principal, Role
from ..errors import AuthError, Forbidden, ProvenanceError, RateLimited
from ..telemetry import events
from ..telemetry import metrics as m
from ..telemetry.logging import get_logger
from .deps import Service, service

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("a bearer API token is required",
                        hint="send `Authorization: Bearer <token>` "
                        "(`provenance-linker tokens create`)")
    return token.strip()


def _throttle(svc: Service, key: str) -> None:
    setting = svc.throttle.get()
    if not setting.enabled:
        return
    wait = svc.limiter.take(key, setting.rate, setting.burst)
    if wait > 0:
        raise RateLimited(f"rate limit of {setting.rate:g}/s exceeded",
                          retry_after=retry_after_seconds(wait))


def check(svc: Service, request: Request, needed: Role) -> Principal:
    """Authenticate and authorize; raises AuthError/Forbidden/RateLimited."""
    ip = client_ip(request)
    _throttle(svc, f"ip:{ip}")
    blocks = svc.blocks.get()
    if blocks.ip_blocked(ip):
        raise Forbidden(f"source address {ip} is blocked")
    principal = svc.principals.authenticate(_bearer(request))
    request.state.user = principal.name
    if blocks.user_blocked(principal.name):
        raise Forbidden(f"user {principal.name} is blocked")
    if not principal.role.allows(needed):
        raise Forbidden(f"role {principal.role} may not do this; {needed} is required")
    _throttle(svc, f"token:{principal.token_id}")
    return principal


def _refused_modification(svc: Service, request: Request, ip: str | None, user: str | None,
                          exc: ProvenanceError) -> None:
    route = route_template(request)
    reason = exc.message
    m.unauthorized_modifications_total.labels(route=route, reason=exc.title.lower()).inc()
    get_logger().warning(events.UNAUTHORIZED_MODIFICATION, user=user or "anonymous", ip=ip,
                         route=route, method=request.method, reason=reason)
    try:
        audit.record(svc.store, action=f"{request.method} {route}", actor=user or "anonymous",
                     outcome="refused", source_ip=ip, reason=reason)
    except ProvenanceError as err:  # the refusal stands even if the store is down
        get_logger().error("audit_failed", error=str(err))


def require(needed: Role) -> Callable[..., Awaitable[Principal]]:
    # Async so that the cheap, read-only checks run on the event loop (no thread hop per
    # request); the audit write of a refusal goes to the thread pool.
    async def dependency(request: Request, svc: Service = Depends(service)) -> Principal:
        try:
            return check(svc, request, needed)
        except AuthError as exc:
            if request.method not in SAFE_METHODS:
                user = getattr(request.state, "user", None)
                await run_in_threadpool(_refused_modification, svc, request,
                                        client_ip(request), user, exc)
            raise

    dependency.__name__ = f"require_{needed}"
    return dependency


reader = require(Role.READER)
writer = require(Role.WRITER)
admin = require(Role.ADMIN)
