"""Jobs: the state of uploads being processed."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Path, Query

from ...access.tokens import Principal
from ...errors import NotFound
from ...jobs.interface import JobState, retry
from ..auth import admin, reader
from ..deps import Service, service
from ..problems import JSON

router = APIRouter(default_response_class=JSON, tags=["jobs"])
JOB_ID = Path(..., pattern=r"^[0-9a-f]{24}$", description="job id")


@router.get("/v1/jobs", summary="List jobs")
def list_jobs(state: JobState | None = Query(None),
              limit: int = Query(100, ge=1, le=1000),
              _: Principal = Depends(reader),
              svc: Service = Depends(service)) -> JSON:
    jobs = svc.queue.list(str(state) if state else None, limit)
    return JSON({"jobs": [j.as_dict() for j in jobs], "counts": svc.queue.counts()})


@router.get("/v1/jobs/{job_id}", summary="One job")
def get_job(job_id: str = JOB_ID, _: Principal = Depends(reader),
            svc: Service = Depends(service)) -> JSON:
    job = svc.queue.get(job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return JSON(job.as_dict())


@router.post("/v1/jobs/{job_id}/retry", summary="Retry a dead or failed job (admin)")
def retry_job(job_id: str = JOB_ID, _: Principal = Depends(admin),
              svc: Service = Depends(service)) -> JSON:
    return JSON(retry(svc.queue, job_id, time.time()).as_dict())
