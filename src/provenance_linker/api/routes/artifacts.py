"""Read the graph: documents and artifact traces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from ...access.tokens import Principal
from ...errors import NotFound
from ...queries.trace import trace
from ..auth import reader
from ..deps import Service, service
from ..paging import after_cursor
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["graph"])
REF = Query(..., min_length=1, max_length=512,
            description="NAME@sha256:HEX, sha256:HEX or NAME[:TAG]")


DOCUMENTS_PAGE = 100
MAX_DOCUMENTS_PAGE = 1000


@router.get("/v1/trace", summary="Everything known about an artifact, with evidence")
def trace_artifact(artifact: str = REF, _: Principal = Depends(reader),
                   svc: Service = Depends(service)) -> JSON:
    return JSON(svc.answers.get(("trace", artifact), lambda: trace(svc.store, artifact)))


@router.get("/v1/documents", summary="Ingested documents, a page at a time")
def list_documents(kind: str | None = Query(None, max_length=32),
                   after: int = after_cursor(),
                   limit: int = Query(DOCUMENTS_PAGE, ge=1, le=MAX_DOCUMENTS_PAGE),
                   _: Principal = Depends(reader),
                   svc: Service = Depends(service)) -> JSON:
    page = svc.store.documents(kind, after=after, limit=limit + 1)  # one more: is there a next?
    more = len(page) > limit
    del page[limit:]
    return JSON({"documents": [_doc(d) for d in page],
                 "next": page[-1].seq if more else None})


@router.get("/v1/documents/{digest}", summary="One ingested document")
def get_document(digest: str = Path(..., pattern=r"^sha256:[0-9a-f]{64}$"),
                 _: Principal = Depends(reader),
                 svc: Service = Depends(service)) -> JSON:
    info = svc.store.document(digest)
    if info is None:
        raise NotFound(f"no document {digest}")
    return JSON(_doc(info))


def _doc(info: Any) -> dict[str, Any]:
    return {"digest": info.digest, "kind": info.kind, "format": info.format,
            "name": info.name, "meta": dict(info.meta)}
