"""Questions over the graph: verify, blast radius, unsigned workloads, vulnerabilities,
malicious packages (the same cores the CLI's `verify` and `query …` commands call)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from ...access.tokens import Principal
from ...queries.blast_radius import blast_radius
from ...queries.unsigned import unsigned_in_environment
from ...queries.vulns import malicious, vulns_for_artifact
from ...trust.verifier import verify_artifact
from ..auth import reader
from ..deps import Service, service
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["analysis"])
REF = Query(..., min_length=1, max_length=512,
            description="NAME@sha256:HEX, sha256:HEX or NAME[:TAG]")
ENV = Query(None, min_length=1, max_length=128, description="environment name")


@router.get("/v1/verify", summary="Verify an artifact against the environment's policy "
            "(else the default policy)")
def verify(artifact: str = REF, environment: str | None = ENV,
           _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(verify_artifact(svc.store, artifact, environment=environment).as_dict())


@router.get("/v1/blast-radius", summary="Artifacts and workloads an advisory reaches")
def blast(vuln: str = Query(..., min_length=1, max_length=256, description="advisory id"),
          environment: str | None = ENV, _: Principal = Depends(reader),
          svc: Service = Depends(service)) -> JSON:
    return JSON(blast_radius(svc.store, vuln, environment))


@router.get("/v1/unsigned", summary="Unsigned artifacts running in an environment")
def unsigned(environment: str = Query("production", min_length=1, max_length=128),
             _: Principal = Depends(reader),
             svc: Service = Depends(service)) -> JSON:
    return JSON({"environment": environment,
            "unsigned": unsigned_in_environment(svc.store, environment)})


@router.get("/v1/vulns", summary="Advisories affecting an artifact's packages")
def vulns(artifact: str = REF,
          min_severity: str | None = Query(None, max_length=16),
          _: Principal = Depends(reader), svc: Service = Depends(service)) -> JSON:
    return JSON(vulns_for_artifact(svc.store, artifact, min_severity))


@router.get("/v1/malicious", summary="Packages named by malicious-package records")
def malicious_packages(_: Principal = Depends(reader),
                       svc: Service = Depends(service)) -> JSON:
    return JSON(malicious(svc.store))
