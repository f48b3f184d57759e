"""Server-rendered explorer pages: Jinja2 templates (autoescaped) and the security headers
every /ui answer carries (strict CSP: scripts and styles only from /ui/static, no inline
script, no framing, forms only to this origin)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(loader=PackageLoader("provenance_linker.api.ui", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["anchor"] = lambda value: "d-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(value))
    env.filters["short"] = lambda value, n=19: (str(value)[:n] + "…"
                                                if value and len(str(value)) > n else value)
    return env


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def page(name: str, status: int = 200, **context: Any) -> Response:
    html = templates().get_template(name).render(**context)
    return secure(HTMLResponse(html, status_code=status))
