"""`provenance-linker queue …` and `provenance-linker worker` (component sbom-processor)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import typer

from ..documents import Limits
from ..jobs import open_queue, queue_url_for
from ..jobs import worker as worker_core
from ..jobs.feed_http import HttpFetcher
from ..jobs.feed_sync import run_every, sync
from ..jobs.interface import JobQueue, JobState, purge_stuck, retry
from ..model import MAX_SEQ
from ..ops.periodic import PeriodicIntegrity
from ..store import open_store
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry import logging as tlog
from ..telemetry.memory import RssWatch
from .context import AppState, state
from .feeds import feed_sources
from .options import DAY, seconds_option
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table

app = typer.Typer(help="The SBOM processing queue: status, jobs, retries, stuck jobs.",
                  no_args_is_help=True)


def open_for(st: AppState) -> JobQueue:
    return open_queue(queue_url_for(st.settings.db_url, st.settings.queue_url))


def _rows(jobs: list[dict[str, Any]]) -> list[list[Any]]:
    return [[j["id"], j["state"], j["kind"], j["name"], j["attempts"], (j["error"] or "")[:80]]
            for j in jobs]


@app.command("status")
def status(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Jobs per state and the backlog (the `sbom_processing_queue_size` gauge)."""
    q = open_for(state(ctx))
    data = {"queue": q.url, "backlog": q.backlog(), "counts": q.counts()}
    q.close()
    emit(data, output, lambda d: console.print(table(
        f"Queue {d['queue']} (backlog {d['backlog']})", ["state", "jobs"],
        sorted(d["counts"].items()))))


@app.command("list")
def list_jobs(ctx: typer.Context,
              job_state: JobState | None = typer.Option(None, "--state", help="only this state"),
              limit: int = typer.Option(100, "--limit", min=1, max=MAX_SEQ),
              output: OutputFormat = OUTPUT_OPTION) -> None:
    """Jobs, oldest first."""
    q = open_for(state(ctx))
    jobs = [j.as_dict() for j in q.list(str(job_state) if job_state else None, limit)]
    q.close()
    emit({"jobs": jobs}, output, lambda d: console.print(table(
        "Jobs", ["id", "state", "kind", "name", "attempts", "error"], _rows(d["jobs"]))))


@app.command("retry")
def retry_job(ctx: typer.Context, job_id: str = typer.Argument(..., help="job id"),
              output: OutputFormat = OUTPUT_OPTION) -> None:
    """Put a dead or failed job back on the queue with a fresh retry budget."""
    q = open_for(state(ctx))
    job = retry(q, job_id, time.time()).as_dict()
    q.close()
    emit(job, output, lambda d: console.print(f"job {d['id']} queued again"))


@app.command("purge")
def purge(ctx: typer.Context,
          stuck: bool = typer.Option(False, "--stuck", help="clear stuck jobs: running jobs "
                                     "whose worker stopped renewing the lease"),
          older_than: float = seconds_option(0.0, "--older-than", minimum=0.0,
                                             maximum=3650 * DAY, help="seconds past lease expiry"),
          output: OutputFormat = OUTPUT_OPTION) -> None:
    """Clear stuck jobs (requeue them, or dead-letter them when attempts are used up)."""
    if not stuck:
        raise typer.BadParameter("say what to purge: --stuck")
    q = open_for(state(ctx))
    touched = purge_stuck(q, time.time(), older_than)
    q.close()
    emit({"released": touched}, output,
         lambda d: console.print(f"{len(d['released'])} stuck jobs released"))


def worker(
    ctx: typer.Context,
    lease: float = seconds_option(60.0, "--lease", minimum=1.0,
                                  help="seconds a claimed job is held without a heartbeat"),
    poll: float = seconds_option(0.5, "--poll", minimum=0.01, maximum=3600.0,
                                 help="idle poll interval, seconds"),
    max_jobs: int | None = typer.Option(None, "--max-jobs", min=1, max=MAX_SEQ,
                                        help="exit after this many jobs"),
    feeds_every: float = seconds_option(0.0, "--feeds-every", minimum=0.0,
                                      help="also run `feeds sync` every this many seconds "
                                      "(mirror and ecosystems from PROVENANCE_FEED_MIRROR, "
                                      "PROVENANCE_FEED_ECOSYSTEMS; 0: off)"),
    integrity_every: float | None = seconds_option(
        None, "--integrity-every", minimum=1.0,
        help="also run `integrity verify` every SECONDS (needs the integrity key)"),
) -> None:
    """Process uploaded documents from the queue (component sbom-processor)."""
    st = state(ctx)
    tlog.configure(events.COMPONENT_PROCESSOR,
                   level="DEBUG" if st.debug else "INFO",
                   slow_query_seconds=st.settings.slow_query_seconds)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    q = open_for(st)
    config = worker_core.WorkerConfig(lease_seconds=lease, poll_seconds=poll,
                                      limits=st.settings.limits)
    watch = RssWatch(_memory_warn_bytes())
    watch.start()
    feeds = start_feed_schedule(st.settings.db_url, feeds_every, st.settings.limits, stop) \
        if feeds_every else None
    checks = _periodic_integrity(st.store(), integrity_every)
    try:
        worker_core.run(q, st.store(), config, stop=stop, max_jobs=max_jobs)
    finally:
        stop.set()
        if checks is not None:
            checks.stop()
        if feeds is not None:
            feeds.join(timeout=30)
        watch.stop()
        q.close()


def start_feed_schedule(db_url: str, interval: float, limits: Limits,
                        stop: threading.Event) -> threading.Thread:
    """The worker's feed schedule: `feeds sync` every `interval` seconds on its own store
    connection, until the worker stops."""
    sources = feed_sources(None, None, os.environ.get("PROVENANCE_FEED_MALICIOUS") == "1")

    def loop() -> None:
        store = open_store(db_url)
        try:
            run_every(interval, stop, lambda: sync(store, sources, HttpFetcher(), limits=limits))
        finally:
            store.close()

    thread = threading.Thread(target=loop, name="feed-sync", daemon=True)
    thread.start()
    return thread


def _periodic_integrity(store: GraphStore, seconds: float | None) -> PeriodicIntegrity | None:
    if seconds is None:
        return None
    from datetime import UTC, datetime

    from ..ops import notify

    def clock() -> datetime:
        return datetime.now(UTC)

    def after(report: object) -> None:
        notify.notify_integrity(store, report, clock=clock)
        notify.notify_new_malicious(store, clock=clock)

    checks = PeriodicIntegrity(store, seconds, clock=clock, on_report=after)
    checks.start()
    return checks


def _memory_warn_bytes() -> int:
    raw = os.environ.get("PROVENANCE_MEMORY_WARN_MB", "").strip()
    return (int(raw) if raw.isdigit() else 1024) * 1024 * 1024
