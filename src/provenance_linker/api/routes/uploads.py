"""Uploads: SBOMs, attestations, signatures, advisories, deployments → 202 + a job.

The bytes are stored in the job table before the 202, so an accepted upload is never
lost; `provenance-linker worker` processes ingest them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from ...access.tokens import Principal
from ...documents import load
from ...errors import InvalidDocument
from ...graph.refs import parse_ref
from ...jobs.interface import ACCEPTED, new_job
from ..auth import client_ip, writer
from ..body import budgeted_body
from ..deps import Service, service

router = APIRouter(tags=["uploads"])

_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "accepted; poll the job"},
    401: {"description": "no or bad token"}, 403: {"description": "forbidden"},
    413: {"description": "too large"}, 422: {"description": "not a document of this kind"},
    429: {"description": "throttled"},
    503: {"description": "the upload budget is spent, or shedding load (Retry-After)"},
}


def _accept(svc: Service, kind: str, data: bytes, name: str, options: dict[str, Any],
            principal: Principal, ip: str | None) -> tuple[dict[str, Any], bool]:
    if not data:
        raise InvalidDocument("empty request body", where=name)
    document = load(data, name, svc.settings.limits)
    if document.kind not in ACCEPTED[kind]:
        raise InvalidDocument(f"this is a {document.format} {document.kind} document, "
                              f"not a {kind}", where=name)
    actor = {"name": principal.name, "token": principal.token_id, "role": str(principal.role),
             "ip": ip}
    job, created = svc.queue.enqueue(new_job(kind, name, document.digest, data, options, actor))
    return job.as_dict(), created


def _upload_route(kind: str, path: str, summary: str) -> None:
    async def upload(
        request: Request,
        name: str = Query("upload", max_length=256, description="document name for messages"),
        artifact: str | None = Query(None, max_length=512,
                                     description="the subject: NAME@sha256:HEX or sha256:HEX"),
        strict: bool = Query(False, description="refuse documents failing schema validation"),
        environment: str | None = Query(None, max_length=128,
                                        description="deployments: the environment name"),
        principal: Principal = Depends(writer),
        svc: Service = Depends(service),
    ) -> JSONResponse:
        if artifact:
            parse_ref(artifact)  # a malformed reference is a 4xx now, not a dead job later
        options: dict[str, Any] = {"strict": strict}
        if artifact:
            options["artifact"] = artifact
        if environment:
            options["environment"] = environment
        async with budgeted_body(request, svc.max_upload_bytes, svc.upload_budget) as data:
            job, created = await run_in_threadpool(_accept, svc, kind, data, name, options,
                                                   principal, client_ip(request))
        return JSONResponse({"job": job, "created": created}, status_code=202,
                            headers={"Location": f"/v1/jobs/{job['id']}"})

    upload.__name__ = f"upload_{kind}"
    router.add_api_route("/v1" + path, upload, methods=["POST"], status_code=202, summary=summary,
                         openapi_extra=_BODY, responses=_RESPONSES, response_class=JSONResponse)


_upload_route("sbom", "/sboms", "Upload an SBOM (CycloneDX, SPDX)")
_upload_route("attestation", "/attestations", "Upload an attestation (in-toto, DSSE, bundle)")
_upload_route("signature", "/signatures", "Upload a signature")
_upload_route("advisory", "/advisories", "Upload a vulnerability advisory (OSV) or VEX")
_upload_route("deployment", "/deployments", "Upload Kubernetes deployment objects")
