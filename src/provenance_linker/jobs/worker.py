"""The SBOM processor: claim a job, ingest its document, record the outcome.

A heartbeat renews the lease while a long document is ingested; a worker that dies stops
renewing, and the job becomes claimable again when the lease expires.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..access import audit
from ..documents import Limits, load
from ..errors import InvalidDocument, ProvenanceError, StoreUnavailable
from ..graph.refs import parse_ref
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger
from ..telemetry.memory import guard_memory
from .interface import ACCEPTED, DEAD, DONE, FAILED, Job, JobQueue, backoff_seconds


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5
    backoff_base: float = 1.0
    limits: Limits = Limits()


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def ingest_job(store: GraphStore, job: Job, limits: Limits) -> dict[str, Any]:
    """Ingest the job's document (idempotent by digest)."""
    document = load(job.data, job.name, limits)
    if document.kind not in ACCEPTED.get(job.kind, frozenset()):
        raise InvalidDocument(f"this is a {document.format} {document.kind} document, "
                              f"not a {job.kind}", where=job.name)
    opts = job.options
    options = IngestOptions(
        strict=bool(opts.get("strict")),
        artifact=parse_ref(opts["artifact"]) if opts.get("artifact") else None,
        environment=opts.get("environment"), limits=limits, actor=job.actor)
    return Linker(store).ingest(document, options).as_dict()


class _Heartbeat:
    def __init__(self, queue: JobQueue, job: Job, owner: str, lease: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(queue, job, owner, lease),
                                        daemon=True)

    def _run(self, queue: JobQueue, job: Job, owner: str, lease: float) -> None:
        while not self._stop.wait(lease / 3):
            queue.renew(job.id, owner, time.time() + lease)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def process_one(queue: JobQueue, store: GraphStore, config: WorkerConfig,
                owner: str | None = None, clock: Callable[[], float] = time.time) -> Job | None:
    """Claim and run one due job; returns it (None when nothing was due)."""
    owner = owner or worker_id()
    job = queue.claim(owner, config.lease_seconds, clock())
    if job is None:
        return None
    log = get_logger(job=job.id, document=job.name, attempt=job.attempts)
    if job.attempts > job.max_attempts:
        queue.finish(job.id, owner, {"state": DEAD, "lease_owner": None,
                                     "updated_at": clock(),
                                     "error": job.error or "worker lost the job repeatedly"})
        log.error("job_dead", error=job.error or "attempts exhausted")
        return job
    try:
        with _Heartbeat(queue, job, owner, config.lease_seconds), guard_memory():
            result = ingest_job(store, job, config.limits)
    except StoreUnavailable as exc:  # transient: retry with backoff
        _fail(store, queue, job, owner, exc, config, clock, permanent=False)
        return job
    except ProvenanceError as exc:  # the document itself is bad: no point retrying
        _fail(store, queue, job, owner, exc, config, clock, permanent=True)
        return job
    except Exception as exc:
        _fail(store, queue, job, owner, exc, config, clock, permanent=False)
        return job
    # The document now lives in the store: drop the job's copy of the bytes.
    if queue.finish(job.id, owner, {"state": DONE, "result": result, "error": None,
                                    "lease_owner": None, "updated_at": clock(),
                                    "data": b""}):
        audit.record(store, action="ingest", actor=str(job.actor.get("name", "unknown")),
                     source_ip=job.actor.get("ip"), target=job.digest, job=job.id,
                     kind=job.kind, created=result["created"])
        log.info("job_done", digest=job.digest, created=result["created"])
    else:
        log.warning("job_lease_lost", digest=job.digest)
    return job


def _fail(store: GraphStore, queue: JobQueue, job: Job, owner: str, exc: BaseException,
          config: WorkerConfig, clock: Callable[[], float], *, permanent: bool) -> None:
    now = clock()
    error = f"{type(exc).__name__}: {exc}"
    dead = permanent or job.attempts >= job.max_attempts
    changes = {"state": DEAD if dead else FAILED, "error": error, "lease_owner": None,
               "updated_at": now,
               "available_at": now + backoff_seconds(job.attempts, config.backoff_base)}
    queue.finish(job.id, owner, changes)
    get_logger().error("job_failed", job=job.id, document=job.name, attempt=job.attempts,
                       error=error, dead=dead, exc_info=not isinstance(exc, ProvenanceError))
    if dead and not isinstance(exc, StoreUnavailable):
        try:
            audit.record(store, action="ingest", actor=str(job.actor.get("name", "unknown")),
                         outcome="failed", source_ip=job.actor.get("ip"), target=job.digest,
                         job=job.id, kind=job.kind, error=error)
        except ProvenanceError as err:
            get_logger().error("audit_failed", error=str(err))


def run(queue: JobQueue, store: GraphStore, config: WorkerConfig, *,
        stop: threading.Event | None = None, max_jobs: int | None = None) -> int:
    """Process jobs until `stop` is set (or `max_jobs` were run); returns the count."""
    stop = stop or threading.Event()
    done = 0
    log = get_logger()
    log.info("worker_started", worker=worker_id(), queue=queue.url)
    while not stop.is_set() and (max_jobs is None or done < max_jobs):
        try:
            job = process_one(queue, store, config)
        except ProvenanceError as exc:
            log.error(events.STORE_UNAVAILABLE, error=str(exc))
            stop.wait(config.poll_seconds * 4)
            continue
        if job is None:
            stop.wait(config.poll_seconds)
        else:
            done += 1
    return done
