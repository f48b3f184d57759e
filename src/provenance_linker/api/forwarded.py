"""ASGI middleware: `scope["client"]` becomes the validated caller address (see
access/proxies.py) before anything reads it."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..access.proxies import TrustedProxies


class ForwardedMiddleware:
    """Replace `scope["client"]` by the validated caller address before anything reads it."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            forwarded = [v.decode("latin-1") for k, v in scope.get("headers") or []
                         if k == b"x-forwarded-for"]
            host = self.proxies.client(peer[0] if peer else None, forwarded)
            port = peer[1] if peer else 0
            scope["client"] = (host, port) if host is not None else None
        await self.app(scope, receive, send)
