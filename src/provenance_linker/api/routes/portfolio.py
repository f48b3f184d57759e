"""Portfolio questions and reports (the cores `query search`, `query licenses`,
`export vex`, `export incident` and `--output sarif|csv` call)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Response

from ...access.tokens import Principal
from ...errors import UsageError
from ...queries.blast_radius import blast_radius
from ...queries.licenses import licenses_for_artifact, portfolio_licenses
from ...queries.reports_csv import blast_radius_csv, verify_csv, vulns_csv
from ...queries.reports_incident import incident, incident_html
from ...queries.reports_sarif import blast_radius_sarif, verify_sarif, vulns_sarif
from ...queries.reports_vex import FORMATS, export_vex
from ...queries.search import MAX_LIMIT, MAX_OFFSET, search
from ...queries.vulns import vulns_for_artifact
from ...trust.verifier import verify_artifact
from ..auth import reader
from ..deps import Service, service
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["portfolio"])
ENV = Query(None, min_length=1, max_length=128, description="environment name")


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@router.get("/v1/search", summary="Packages, images and advisories across the portfolio")
def search_route(q: str = Query(..., min_length=1, max_length=512),
                 limit: int = Query(50, ge=1, le=MAX_LIMIT),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET),
                 _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(search(svc.store, q, limit=limit, offset=offset))


@router.get("/v1/licenses", summary="Licenses of one artifact's packages, or portfolio-wide")
def licenses_route(artifact: str | None = Query(None, min_length=1, max_length=512),
                   _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    if artifact:
        return JSON(licenses_for_artifact(svc.store, artifact))
    return JSON(svc.answers.get(("licenses",), lambda: portfolio_licenses(svc.store)))


@router.get("/v1/export/vex", summary="VEX statements that apply to an artifact")
def vex_route(artifact: str = Query(..., min_length=1, max_length=512),
              format: str = Query("openvex", max_length=16, description=" or ".join(FORMATS)),
              _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(export_vex(svc.store, artifact, format, _now()))


@router.get("/v1/reports/incident", summary="Offline HTML incident report for an advisory",
            response_class=Response)
def incident_route(vuln: str = Query(..., min_length=1, max_length=256),
                   environment: str | None = ENV, _: Principal = Depends(reader),
                   svc: Service = Depends(service)) -> Response:
    html = incident_html(incident(svc.store, vuln, environment, _now()))
    return Response(html, media_type="text/html; charset=utf-8")


def report_body(kind: str, fmt: str, data: dict[str, Any]) -> Response:
    makers = {"vulns": (vulns_sarif, vulns_csv), "blast-radius": (blast_radius_sarif,
                                                                 blast_radius_csv),
              "verify": (verify_sarif, verify_csv)}
    sarif, csv = makers[kind]
    if fmt == "sarif":
        return Response(orjson.dumps(sarif(data)), media_type="application/sarif+json")
    return Response(csv(data), media_type="text/csv; charset=utf-8")


@router.get("/v1/reports/{kind}", summary="vulns, blast-radius or verify as SARIF 2.1.0 or CSV",
            response_class=Response)
def report_route(kind: str, format: str = Query("sarif", max_length=8),
                 artifact: str | None = Query(None, min_length=1, max_length=512),
                 vuln: str | None = Query(None, min_length=1, max_length=256),
                 environment: str | None = ENV, _: Principal = Depends(reader),
                 svc: Service = Depends(service)) -> Response:
    if format not in ("sarif", "csv"):
        raise UsageError(f"unknown report format {format!r}", hint="sarif or csv")
    if kind == "blast-radius":
        if not vuln:
            raise UsageError("blast-radius needs ?vuln=ID")
        return report_body(kind, format, blast_radius(svc.store, vuln, environment))
    if kind not in ("vulns", "verify"):
        raise UsageError(f"unknown report {kind!r}", hint="vulns, blast-radius or verify")
    if not artifact:
        raise UsageError(f"{kind} needs ?artifact=REF")
    if kind == "vulns":
        return report_body(kind, format, vulns_for_artifact(svc.store, artifact))
    return report_body(kind, format, verify_artifact(svc.store, artifact,
                                                     environment=environment).as_dict())
