"""The audit trail (admin): entries and a chain check."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Query

from ...access import audit
from ...access.tokens import Principal
from ..auth import admin
from ..deps import Service, service
from ..paging import after_cursor
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["audit"])


@router.get("/v1/audit", summary="Audit entries (admin)")
def list_audit(after: int = after_cursor(), limit: int = Query(100, ge=1, le=1000),
               _: Principal = Depends(admin),
               svc: Service = Depends(service)) -> JSON:
    entries = svc.store.read_log(audit.AUDIT_STREAM, after, limit)
    return JSON({"entries": [{"seq": e.seq, "at": e.at, "hash": e.hash, **dict(e.payload)}
                        for e in entries]})


@router.get("/v1/audit/verify", summary="Check the audit hash chain (admin)")
def verify_audit(_: Principal = Depends(admin),
                 svc: Service = Depends(service)) -> JSON:
    return JSON(asdict(audit.verify(svc.store)))
