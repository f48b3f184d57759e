"""What runs now over HTTP: the admission webhook, quarantine, running and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request

from ...access.tokens import Principal
from ...errors import UsageError
from ...queries.running import history, running_artifact
from ...runtime import quarantine_ops as q
from ...runtime.admission import AdmissionController, AdmissionSettings
from ..auth import admin, client_ip, reader, writer
from ..deps import Service, service
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["runtime"])


def _controller(request: Request, svc: Service) -> AdmissionController:
    controller = getattr(request.app.state, "admission", None)
    if controller is None:
        controller = AdmissionController(svc.store, AdmissionSettings.from_env())
        request.app.state.admission = controller
    return controller


@router.post("/v1/admission", summary="Kubernetes validating admission webhook "
             "(admission.k8s.io/v1 AdmissionReview); called by the API server over TLS")
async def admission(request: Request, svc: Service = Depends(service)) -> JSON:
    body = await request.body()
    controller = _controller(request, svc)
    # On the loop: a cached decision is a few indexed reads, cheaper than a thread hop
    # (the webhook runs as its own Deployment, so nothing else waits behind it).
    return JSON(controller.review(body, client_ip(request)))


@router.get("/v1/quarantine", summary="Quarantines, with the running workloads to drain")
def list_quarantine(_: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON({"quarantine": q.list_entries(svc.store)})


@router.post("/v1/quarantine", summary="Quarantine an artifact, package or vulnerability "
             "(writer): {\"artifact\"|\"package\"|\"vulnerability\": …, \"reason\": …}",
             status_code=201)
def add_quarantine(body: dict[str, Any] = Body(...), principal: Principal = Depends(writer),
                   svc: Service = Depends(service)) -> JSON:
    given = [(k, body[k]) for k in q.KINDS if isinstance(body.get(k), str) and body[k]]
    if len(given) != 1:
        raise UsageError("give exactly one of artifact, package, vulnerability",
                         where="request body")
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise UsageError("reason must be a string", where="request body: reason")
    entry = q.add(svc.store, given[0][0], given[0][1], reason,
                  actor=f"token:{principal.name}", roles={str(principal.role)})
    return JSON(entry, status_code=201)


@router.delete("/v1/quarantine/{ident}", summary="Lift a quarantine (admin)")
def remove_quarantine(ident: str, principal: Principal = Depends(admin),
                      svc: Service = Depends(service)) -> JSON:
    q.remove(svc.store, ident, actor=f"token:{principal.name}", roles={"admin"})
    return JSON({"id": ident, "removed": True})


@router.get("/v1/running", summary="Where an artifact runs now")
def running(artifact: str = Query(..., min_length=1, max_length=512),
            _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(running_artifact(svc.store, artifact))


@router.get("/v1/history", summary="What a workload ran, when")
def workload_history(deployment: str = Query(..., min_length=1, max_length=512),
                     cluster: str = Query("default", min_length=1, max_length=253),
                     _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(history(svc.store, deployment, cluster))
