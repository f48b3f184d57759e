"""Explorer sessions: a token given once on the login page becomes a server-side session.

The browser holds only a random session id (cookie `plk_session`: HttpOnly,
SameSite=Strict, Path=/ui, Secure over https); the store holds sha256(id) → token id,
role, CSRF secret and expiry, so every replica and worker sees the same sessions and a
logout ends one everywhere. Each request re-reads the token's record: a revoked token
ends its sessions at once. Forms carry the session's CSRF secret (or, before login, a
double-submit cookie) and are refused without it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ...access.tokens import TOKENS, Principal, Role
from ...access.tokens import authenticate as authenticate_token
from ...errors import AuthError, Forbidden
from ...store.interface import GraphStore

SESSIONS = "ui_sessions"
COOKIE = "plk_session"
LOGIN_CSRF_COOKIE = "plk_login_csrf"
DEFAULT_TTL_SECONDS = 8 * 3600


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class UiSession:
    principal: Principal
    csrf: str
    expires_at: str


def _now() -> datetime:
    return datetime.now(UTC)


def open_session(store: GraphStore, token: str, ttl_seconds: int) -> tuple[str, UiSession]:
    """Check the token and start a session for it; AuthError when the token is no good."""
    principal = authenticate_token(store, token.strip())
    session_id = secrets.token_urlsafe(32)
    session = UiSession(principal, secrets.token_urlsafe(32),
                        (_now() + timedelta(seconds=ttl_seconds)).isoformat())
    store.put_record(SESSIONS, _key(session_id), {
        "token_id": principal.token_id, "name": principal.name, "role": str(principal.role),
        "csrf": session.csrf, "created": _now().isoformat(), "expires_at": session.expires_at})
    return session_id, session


def load_session(store: GraphStore, session_id: str | None) -> UiSession:
    """The live session for a cookie value; AuthError when absent, expired or revoked."""
    if not session_id or len(session_id) > 128:
        raise AuthError("not signed in")
    key = _key(session_id)
    record = store.get_record(SESSIONS, key)
    if record is None:
        raise AuthError("not signed in")
    if str(record.get("expires_at", "")) <= _now().isoformat():
        store.delete_record(SESSIONS, key)
        raise AuthError("session expired", hint="sign in again")
    token = store.get_record(TOKENS, str(record.get("token_id")))
    if token is None or token.get("revoked"):
        store.delete_record(SESSIONS, key)
        raise AuthError("the token of this session was revoked")
    principal = Principal(str(record["token_id"]), str(token["name"]), Role(token["role"]))
    return UiSession(principal, str(record["csrf"]), str(record["expires_at"]))


def close_session(store: GraphStore, session_id: str | None) -> None:
    if session_id and len(session_id) <= 128:
        store.delete_record(SESSIONS, _key(session_id))


def prune_expired(store: GraphStore) -> int:
    now = _now().isoformat()
    gone = 0
    for key, record in store.list_records(SESSIONS):
        if str(record.get("expires_at", "")) <= now:
            gone += store.delete_record(SESSIONS, key)
    return gone


def new_form_secret() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(expected: str | None, given: str | None) -> None:
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("the form's CSRF token is missing or wrong",
                        hint="reload the page and submit again")


def require_role(session: UiSession, needed: Role) -> None:
    if not session.principal.role.allows(needed):
        raise Forbidden(f"role {session.principal.role} may not do this; {needed} is required")


def cookie_args(secure: bool, max_age: int | None) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/ui",
            "max_age": max_age}
