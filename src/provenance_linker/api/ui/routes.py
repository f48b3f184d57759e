"""The explorer under /ui: login/logout, overview, search, artifact, advisory (blast-radius
graph), deployments, and report downloads. Thin: every answer comes from queries/.

Pages use the same tokens and roles as the API (a reader sees everything, a writer also
gets the VEX triage form); the session cookie stands in for the bearer header."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from ...access.tokens import Role
from ...errors import AuthError, ProvenanceError, UsageError
from ...formats.license_expressions import parse as parse_licenses
from ...queries.blast_graph import blast_graph
from ...queries.blast_radius import blast_radius, in_environment
from ...queries.reports_csv import blast_radius_csv, verify_csv, vulns_csv
from ...queries.reports_incident import incident, incident_html
from ...queries.reports_sarif import blast_radius_sarif, verify_sarif, vulns_sarif
from ...queries.reports_vex import FORMATS, export_vex
from ...queries.search import search
from ...queries.views import artifact_view, deployments_view, overview
from ...queries.vulns import vulns_for_artifact
from ...trust.verifier import verify_artifact
from ..auth import client_ip
from ..deps import Service, env_int, service
from . import session as sessions
from .charts import stacked_bars
from .render import page, secure, templates
from .triage import record_vex

router = APIRouter(prefix="/ui", include_in_schema=False)
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
PAGE_SIZE = 50
TABLE_ROWS = 100  # rows of each advisory table per page (the graph always has them all)


class LoginRequired(Exception):
    def __init__(self, next_url: str, reason: str) -> None:
        super().__init__(reason)
        self.next_url = next_url
        self.reason = reason


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` literally."""
    return (orjson.dumps(value).decode().replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def _ttl() -> int:
    return env_int("PROVENANCE_UI_SESSION_SECONDS", sessions.DEFAULT_TTL_SECONDS)


def current(request: Request, svc: Service = Depends(service)) -> sessions.UiSession:
    """The signed-in session, or a redirect to the login page (expired, revoked, none)."""
    ip = client_ip(request)
    blocks = svc.blocks.get()
    try:
        if blocks.ip_blocked(ip):
            raise AuthError(f"source address {ip} is blocked")
        session = sessions.load_session(svc.store, request.cookies.get(sessions.COOKIE))
        if blocks.user_blocked(session.principal.name):
            raise AuthError(f"user {session.principal.name} is blocked")
    except AuthError as exc:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target, exc.message) from exc
    request.state.user = session.principal.name
    return session


def _ctx(session: sessions.UiSession, **extra: Any) -> dict[str, Any]:
    return {"user": session.principal.name, "role": str(session.principal.role),
            "can_write": session.principal.role.allows(Role.WRITER), "csrf": session.csrf,
            **extra}


def _error_page(session: sessions.UiSession | None, exc: ProvenanceError) -> Response:
    ctx = _ctx(session) if session else {}
    return page("error.html", status=exc.http_status, title=exc.title, message=exc.message,
                hint=exc.hint, where=exc.where, **ctx)


def _guard(session: sessions.UiSession, build: Callable[[], Response]) -> Response:
    try:
        return build()
    except ProvenanceError as exc:
        return _error_page(session, exc)


# --- sign in / out ---------------------------------------------------------------------

def _safe_next(value: str | None) -> str:
    # Only a path inside the explorer: no scheme, no host, no protocol-relative //.
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/overview"


@router.get("/login")
def login_page(request: Request, next: str | None = Query(None, max_length=1024),
               reason: str | None = Query(None, max_length=512)) -> Response:
    token = sessions.new_form_secret()
    response = page("login.html", next=_safe_next(next), csrf=token, reason=reason)
    response.set_cookie(sessions.LOGIN_CSRF_COOKIE, token,
                        **sessions.cookie_args(request.url.scheme == "https", 600))
    return response


@router.post("/login")
def login(request: Request, token: str = Form("", max_length=512),
          csrf: str = Form("", max_length=128), next: str = Form("/ui/overview",
                                                                   max_length=1024),
          svc: Service = Depends(service)) -> Response:
    try:
        sessions.check_csrf(request.cookies.get(sessions.LOGIN_CSRF_COOKIE), csrf)
        session_id, _ = sessions.open_session(svc.store, token, _ttl())
    except AuthError as exc:
        fresh = sessions.new_form_secret()
        response = page("login.html", status=exc.http_status, next=_safe_next(next),
                        csrf=fresh, reason=exc.message)
        response.set_cookie(sessions.LOGIN_CSRF_COOKIE, fresh,
                            **sessions.cookie_args(request.url.scheme == "https", 600))
        return response
    response = secure(RedirectResponse(_safe_next(next), status_code=303))
    response.set_cookie(sessions.COOKIE, session_id,
                        **sessions.cookie_args(request.url.scheme == "https", _ttl()))
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("", max_length=128),
           session: sessions.UiSession = Depends(current),
           svc: Service = Depends(service)) -> Response:
    sessions.check_csrf(session.csrf, csrf)
    sessions.close_session(svc.store, request.cookies.get(sessions.COOKIE))
    response = secure(RedirectResponse("/ui/login", status_code=303))
    response.delete_cookie(sessions.COOKIE, path="/ui")
    return response


# --- pages -----------------------------------------------------------------------------

@router.get("")
@router.get("/")
def root() -> Response:
    return secure(RedirectResponse("/ui/overview", status_code=303))


def _verification_charts(series: dict[str, Any]) -> dict[str, Any]:
    days = len(series["by_day"])
    return {"verifications": series,
            "failed_24h": sum(b["counts"].get("failure", 0) for b in series["by_hour"]),
            "charts": [{"id": "day", "title": f"by day, last {days} days (UTC)",
                        "rects": stacked_bars(series["by_day"])},
                       {"id": "hour", "title": "by hour, last 24 hours (UTC)",
                        "rects": stacked_bars(series["by_hour"])}]}


@router.get("/overview")
def overview_page(session: sessions.UiSession = Depends(current),
                  svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        data = svc.answers.get(("ui-overview",), lambda: overview(svc.store))
        try:
            queue: dict[str, int] | None = svc.queue.counts()
        except ProvenanceError:
            queue = None
        return page("overview.html", data=data, queue=queue, store_up=svc.health.is_up,
                    **_verification_charts(svc.outcomes.series(svc.store)),
                    **_ctx(session, nav="overview"))
    return _guard(session, build)


@router.get("/search")
def search_page(q: str | None = Query(None, max_length=512),
                offset: int = Query(0, ge=0, le=1_000_000),
                session: sessions.UiSession = Depends(current),
                svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        result = svc.answers.get(("ui-search", q, offset), lambda: search(
            svc.store, q, limit=PAGE_SIZE, offset=offset)) if q else None
        return page("search.html", q=q or "", result=result, **_ctx(session, nav="search"))
    return _guard(session, build)


@router.get("/artifact")
def artifact_page(ref: str = Query(..., min_length=1, max_length=512),
                  environment: str | None = Query(None, max_length=128),
                  session: sessions.UiSession = Depends(current),
                  svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        view = svc.answers.get(("ui-artifact", ref, environment),
                               lambda: artifact_view(svc.store, ref, environment))
        return page("artifact.html", ref=ref, v=view,
                    **_ctx(session, nav="search"))
    return _guard(session, build)


@router.get("/advisory")
def advisory_page(id: str = Query(..., min_length=1, max_length=256),
                  environment: str | None = Query(None, max_length=128),
                  rows: int = Query(0, ge=0, le=10_000_000),
                  session: sessions.UiSession = Depends(current),
                  svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        env = environment or None

        def compute() -> tuple[dict[str, Any], str, list[str]]:
            everywhere = blast_radius(svc.store, id, None)
            data = in_environment(everywhere, env)
            return data, script_json(blast_graph(data)), everywhere["summary"]["environments"]

        data, graph_json, environments = svc.answers.get(("ui-advisory", id, env), compute)
        return page("advisory.html", data=data, graph_json=graph_json,
                    environments=environments, environment=env, id=id, rows=rows,
                    page_rows=TABLE_ROWS, **_ctx(session, nav="search"))
    return _guard(session, build)


@router.get("/deployments")
def deployments_page(environment: str | None = Query(None, max_length=128),
                     offset: int = Query(0, ge=0, le=1_000_000),
                     session: sessions.UiSession = Depends(current),
                     svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        data = svc.answers.get(("ui-deployments", environment or None, offset),
                               lambda: deployments_view(svc.store,
                                                        environment=environment or None,
                                                        limit=PAGE_SIZE, offset=offset))
        return page("deployments.html", data=data, **_ctx(session, nav="deployments"))
    return _guard(session, build)


# --- writes (writer role) --------------------------------------------------------------

@router.post("/vex")
def vex_form(artifact: str = Form(..., max_length=512),
             vulnerability: str = Form(..., max_length=256),
             status: str = Form(..., max_length=32),
             justification: str = Form("", max_length=128),
             statement: str = Form("", max_length=2000),
             csrf: str = Form("", max_length=128),
             session: sessions.UiSession = Depends(current),
             svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        sessions.check_csrf(session.csrf, csrf)
        sessions.require_role(session, Role.WRITER)
        record_vex(svc.store, artifact, vulnerability, status, justification, statement,
                   author=session.principal.name)
        return secure(RedirectResponse(f"/ui/artifact?ref={quote(artifact, safe='')}",
                                       status_code=303))
    return _guard(session, build)


# --- downloads -------------------------------------------------------------------------

def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    response = Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
    return secure(response)


def _file_part(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in text)[:80]


@router.get("/export/{kind}.{fmt}")
def export_report(kind: str, fmt: str, ref: str = Query(..., min_length=1, max_length=512),
                  environment: str | None = Query(None, max_length=128),
                  session: sessions.UiSession = Depends(current),
                  svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        env = environment or None
        if fmt not in ("sarif", "csv"):
            raise UsageError(f"unknown report format {fmt!r}", hint="sarif or csv")
        data: dict[str, Any]
        if kind == "vulns":
            data = vulns_for_artifact(svc.store, ref)
            out = vulns_sarif(data) if fmt == "sarif" else vulns_csv(data)
        elif kind == "blast-radius":
            data = blast_radius(svc.store, ref, env)
            out = blast_radius_sarif(data) if fmt == "sarif" else blast_radius_csv(data)
        elif kind == "verify":
            data = verify_artifact(svc.store, ref, environment=env, record=False).as_dict()
            out = verify_sarif(data) if fmt == "sarif" else verify_csv(data)
        else:
            raise UsageError(f"unknown report {kind!r}", hint="vulns, blast-radius or verify")
        name = f"{kind}-{_file_part(ref)}.{fmt}"
        if isinstance(out, str):
            return _download(out, "text/csv; charset=utf-8", name)
        return _download(orjson.dumps(out, option=orjson.OPT_INDENT_2),
                         "application/sarif+json", name)
    return _guard(session, build)


@router.get("/export/vex")
def export_vex_file(artifact: str = Query(..., min_length=1, max_length=512),
                    format: str = Query("openvex", max_length=16),
                    session: sessions.UiSession = Depends(current),
                    svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        if format not in FORMATS:
            raise UsageError(f"unknown VEX format {format!r}", hint="openvex or cyclonedx")
        doc = export_vex(svc.store, artifact, format, _now())
        suffix = "openvex.json" if format == "openvex" else "cdx.json"
        return _download(orjson.dumps(doc, option=orjson.OPT_INDENT_2), "application/json",
                         f"vex-{_file_part(artifact)}.{suffix}")
    return _guard(session, build)


@router.get("/export/incident")
def export_incident(id: str = Query(..., min_length=1, max_length=256),
                    environment: str | None = Query(None, max_length=128),
                    session: sessions.UiSession = Depends(current),
                    svc: Service = Depends(service)) -> Response:
    def build() -> Response:
        html = incident_html(incident(svc.store, id, environment or None, _now()))
        return _download(html, "text/html; charset=utf-8", f"incident-{_file_part(id)}.html")
    return _guard(session, build)


def _warm() -> None:
    # The SPDX license list takes ~0.5 s to load: not on the first search's clock.
    parse_licenses(("MIT",))
    # Nor the sigstore library (1-2 s, imported lazily so the CLI starts fast), which the
    # first verdict on an artifact page needs, nor compiling the page templates.
    from ...trust import sigstore  # noqa: F401

    for name in ("overview.html", "search.html", "artifact.html", "advisory.html",
                 "deployments.html", "login.html", "error.html"):
        templates().get_template(name)


def install(app: FastAPI) -> None:
    """Mount the explorer on the API app: its routes, static assets, login redirects."""
    threading.Thread(target=_warm, name="ui-warm", daemon=True).start()
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")

    async def _login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = f"/ui/login?next={quote(exc.next_url, safe='')}&reason=" \
                 f"{quote(exc.reason, safe='')}"
        response = secure(RedirectResponse(target, status_code=303))
        response.delete_cookie(sessions.COOKIE, path="/ui")
        return response

    app.add_exception_handler(LoginRequired, _login)
