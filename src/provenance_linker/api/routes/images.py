"""`POST /v1/images`: fetch images' evidence from their registries, queued like uploads
(a worker does the fetch and the ingest)."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from ...access.tokens import Principal
from ...errors import InvalidDocument
from ...jobs.interface import new_job
from ...registry.jobs import IMAGE_JOB, image_job_data
from ..auth import client_ip, writer
from ..body import read_body
from ..deps import Service, service

router = APIRouter(tags=["uploads"])
MAX_BODY = 64 * 1024

_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["references"], "properties": {
        "references": {"type": "array", "items": {"type": "string"}, "maxItems": 500},
        "strict": {"type": "boolean"}}}}}}}


@router.post("/v1/images", status_code=202, openapi_extra=_BODY, response_class=JSONResponse,
             summary="Fetch images' signatures, attestations and SBOMs from their registries",
             responses={202: {"description": "accepted; poll the job"},
                        401: {"description": "no or bad token"},
                        422: {"description": "bad references"}})
async def fetch_images(request: Request, principal: Principal = Depends(writer),
                       svc: Service = Depends(service)) -> JSONResponse:
    body = await read_body(request, MAX_BODY)
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"body is not JSON: {exc}", where="body") from exc
    data, name = image_job_data(payload)
    actor = {"name": principal.name, "token": principal.token_id, "role": str(principal.role),
             "ip": client_ip(request)}
    # The bytes carry the request time: each request is a fetch of its own.
    job = new_job(IMAGE_JOB, name, "sha256:" + hashlib.sha256(data).hexdigest(), data, {},
                  actor)
    stored, created = await run_in_threadpool(svc.queue.enqueue, job)
    return JSONResponse({"job": stored.as_dict(), "created": created}, status_code=202,
                        headers={"Location": f"/v1/jobs/{stored.id}"})
