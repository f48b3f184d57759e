"""The FastAPI app factory (component provenance-api).

`provenance-linker serve` runs `create_app` under uvicorn (one app per worker process);
tests call it directly with explicit settings.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from .. import __version__
from ..access.proxies import TrustedProxies
from ..config import Settings
from ..store import display_url
from ..telemetry import events
from ..telemetry import logging as tlog
from ..telemetry.memory import RssWatch
from . import problems
from .deps import Service, env_int
from .forwarded import ForwardedMiddleware
from .middleware import ServiceMiddleware
from .routes import analysis, artifacts, audit, health, images, jobs, policies, runtime, uploads
from .routes import portfolio as portfolio_routes
from .shedding import InFlightLimit
from .ui import routes as ui_routes

# Threads for blocking work: one per core. Python code holds the GIL, so more threads
# add throughput only while SQLite works without it, and each one takes a share of the
# GIL from the event loop, which answers the shed requests: on two cores 8 threads
# answered 503s in 136 ms (p99) and admitted requests in 763 ms; 2 threads in 54 ms and
# 145 ms, and more requests were admitted (docs/benchmarks.md, "Load").
DEFAULT_API_THREADS = len(os.sched_getaffinity(0))  # the cores this process may run on
# Requests in flight per thread before 503: queued beyond it they only wait.
IN_FLIGHT_PER_THREAD = 8

# Routers of other areas, included when their module is present ("module" with `router`).
OPTIONAL_ROUTERS: list[str] = []


def api_threads() -> int:
    return env_int("PROVENANCE_API_THREADS", DEFAULT_API_THREADS)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    # The verification deployment runs the same app under its own component name.
    component = os.environ.get("PROVENANCE_COMPONENT", events.COMPONENT_API)
    if component not in (events.COMPONENT_API, events.COMPONENT_VERIFIER):
        component = events.COMPONENT_API
    tlog.configure(component,
                   level=os.environ.get("PROVENANCE_LOG_LEVEL", "INFO"),
                   slow_query_seconds=settings.slow_query_seconds)
    svc = Service.from_settings(settings)
    watch = RssWatch(env_int("PROVENANCE_MEMORY_WARN_MB", 1024) * 1024 * 1024)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Threads for blocking work, each with its pooled SQLite connection and page
        # cache: on two cores more threads add memory (40 by default), not throughput.
        anyio.to_thread.current_default_thread_limiter().total_tokens = api_threads()
        watch.start()
        svc.health.start()
        svc.refusals.start()
        tlog.get_logger().info("api_started", version=__version__, store=display_url(svc.store),
                               queue=svc.queue.url)
        try:
            yield
        finally:
            watch.stop()
            svc.refusals.stop()
            svc.health.stop()
            svc.close()

    app = FastAPI(title="provenance-linker", version=__version__, lifespan=lifespan,
                  responses=problems.PROBLEM_RESPONSES,
                  description="Provenance graph of SBOMs, signatures, attestations, "
                  "advisories and deployments. Errors are application/problem+json.")
    app.state.service = svc
    problems.install(app)
    for module in (health, uploads, images, jobs, artifacts, analysis, audit, policies, runtime):
        app.include_router(module.router)
    for target in OPTIONAL_ROUTERS:
        app.include_router(importlib.import_module(target).router)
    app.include_router(portfolio_routes.router)  # explorer (#19): search, licenses, reports
    ui_routes.install(app)  # explorer (#19): /ui pages and assets
    # Inside the request-id middleware, so shed answers carry an id and are logged.
    app.add_middleware(InFlightLimit, max_in_flight=env_int(
        "PROVENANCE_MAX_IN_FLIGHT", IN_FLIGHT_PER_THREAD * api_threads()))
    app.add_middleware(ServiceMiddleware, max_upload_bytes=svc.max_upload_bytes)
    # Outermost: every later layer sees the validated caller address.
    app.add_middleware(ForwardedMiddleware, proxies=TrustedProxies.from_env())
    return app
