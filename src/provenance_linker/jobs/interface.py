"""The SBOM processing queue: a durable job table with leases (component sbom-processor).

Uploads are stored as jobs (bytes included) before the API answers 202. Workers claim a
job by taking a lease (`available_at` = now + lease); a worker killed mid-job simply lets
its lease expire and another claim picks the job up again. Completion is accepted only
from the lease holder, and ingest is idempotent by document digest, so a job re-run after
a crash completes exactly once and stores the document once. Failures retry with
exponential backoff, then the job goes `dead` with its error.

Backends: SQLite (default: a file next to the graph database) and Redis (`redis://`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

import orjson

from ..documents import DocumentKind
from ..errors import NotFound, UsageError

QUEUED, RUNNING, DONE, FAILED, DEAD = "queued", "running", "done", "failed", "dead"


class JobState(StrEnum):
    QUEUED = QUEUED
    RUNNING = RUNNING
    DONE = DONE
    FAILED = FAILED  # waiting for a retry after a failure
    DEAD = DEAD


PENDING_STATES = (QUEUED, RUNNING, FAILED)

# Upload route kind -> document kinds it accepts.
ACCEPTED: dict[str, frozenset[DocumentKind]] = {
    "sbom": frozenset({DocumentKind.SBOM}),
    "advisory": frozenset({DocumentKind.ADVISORY, DocumentKind.VEX}),
    "attestation": frozenset({DocumentKind.ATTESTATION}),
    "signature": frozenset({DocumentKind.SIGNATURE}),
    "deployment": frozenset({DocumentKind.DEPLOYMENT}),
}


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    state: str
    kind: str  # the document kind the upload route accepts (sbom, attestation, …)
    name: str
    digest: str
    options: dict[str, Any]
    actor: dict[str, Any]
    attempts: int = 0
    max_attempts: int = 5
    available_at: float = 0.0
    lease_owner: str | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    data: bytes = field(default=b"", repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("data")
        out["size"] = len(self.data)
        return out


def job_id_for(kind: str, digest: str, options: Mapping[str, Any]) -> str:
    """Same document + same options → same job (uploads are idempotent)."""
    h = hashlib.sha256(orjson.dumps([kind, digest, dict(options)], option=orjson.OPT_SORT_KEYS))
    return h.hexdigest()[:24]


def backoff_seconds(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


class JobQueue(Protocol):
    url: str

    def enqueue(self, job: Job) -> tuple[Job, bool]:
        """Store a job unless one with its id exists; return (the job, created)."""
        ...

    def claim(self, owner: str, lease_seconds: float, now: float) -> Job | None:
        """Lease the next due job (queued, failed-and-due, or running-with-expired-lease)."""
        ...

    def renew(self, job_id: str, owner: str, until: float) -> bool: ...

    def finish(self, job_id: str, owner: str, changes: Mapping[str, Any]) -> bool:
        """Apply changes if `owner` still holds the lease; False if it lost it.
        `data` may be set to b"" to drop the stored bytes once they are ingested."""
        ...

    def get(self, job_id: str, *, with_data: bool = False) -> Job | None: ...

    def list(self, state: str | None = None, limit: int = 100) -> list[Job]: ...

    def counts(self) -> dict[str, int]: ...

    def backlog(self) -> int:
        """Jobs not yet done or dead (the `sbom_processing_queue_size` gauge)."""
        ...

    def update(self, job_id: str, changes: Mapping[str, Any]) -> bool:
        """Unconditional change (operator actions: retry, purge)."""
        ...

    def ping(self) -> None: ...

    def close(self) -> None: ...


def new_job(kind: str, name: str, digest: str, data: bytes, options: Mapping[str, Any],
            actor: Mapping[str, Any], *, max_attempts: int = 5,
            clock: Callable[[], float] = time.time) -> Job:
    now = clock()
    return Job(id=job_id_for(kind, digest, options), state=QUEUED, kind=kind, name=name,
               digest=digest, options=dict(options), actor=dict(actor), attempts=0,
               max_attempts=max_attempts, available_at=now, created_at=now, updated_at=now,
               data=data)


def retry(queue: JobQueue, job_id: str, now: float) -> Job:
    """Operator retry of a dead (or failed) job: back to queued with a fresh budget."""
    job = queue.get(job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", hint="see `provenance-linker queue list`")
    if job.state not in (DEAD, FAILED):
        raise UsageError(f"job {job_id} is {job.state}; only dead or failed jobs are retried")
    queue.update(job_id, {"state": QUEUED, "attempts": 0, "available_at": now,
                          "lease_owner": None, "updated_at": now})
    return replace(job, state=QUEUED, attempts=0)


def purge_stuck(queue: JobQueue, now: float, older_than: float) -> list[str]:
    """Clear stuck jobs: running jobs whose lease expired long ago are released back to
    the queue; jobs that have exhausted their attempts go dead. Returns the ids touched."""
    touched = []
    for job in queue.list(RUNNING, limit=10_000):
        if job.available_at + older_than > now:
            continue
        if job.attempts >= job.max_attempts:
            queue.update(job.id, {"state": DEAD, "lease_owner": None, "updated_at": now,
                                  "error": job.error or "stuck: lease expired, attempts used"})
        else:
            queue.update(job.id, {"state": QUEUED, "lease_owner": None, "available_at": now,
                                  "updated_at": now})
        touched.append(job.id)
    return touched
