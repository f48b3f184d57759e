"""`/healthz` (alive), `/readyz` (store and queue reachable) and `/metrics`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from ...errors import ProvenanceError
from ..deps import Service, service
from ..metrics_collector import GraphCollector, build_registry

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store and the queue are reachable (503 otherwise)",
            responses={503: {"description": "a dependency is unreachable"}})
def readyz(svc: Service = Depends(service)) -> Response:
    checks: dict[str, Any] = {}
    for name, ping in (("store", svc.store.ping), ("queue", svc.queue.ping)):
        try:
            ping()
            checks[name] = "ok"
        except ProvenanceError as exc:
            checks[name] = str(exc)
        except Exception as exc:
            checks[name] = f"{type(exc).__name__}: {exc}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(svc: Service = Depends(service)) -> Response:
    registry = build_registry(GraphCollector(lambda: svc.store, svc.queue.backlog))
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
