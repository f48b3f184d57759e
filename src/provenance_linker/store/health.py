"""Graph database health: a background thread pings the store and publishes the answer.

`is_up` is what readiness checks read (no round trip on the request path), and the
`provenance_graph_database_up` gauge follows it, so the GraphDatabaseConnectionFailure
alert fires within a few seconds of the database going away and clears when it returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from prometheus_client import Gauge

from ..errors import ProvenanceError
from ..telemetry import metrics
from . import display_url
from .interface import GraphStore

DEFAULT_INTERVAL = 1.0  # seconds between pings; outages show within interval + ping time


class HealthMonitor:
    def __init__(self, store: GraphStore, *, interval: float = DEFAULT_INTERVAL,
                 gauge: Gauge | None = metrics.graph_database_up,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.store = store
        self.interval = interval
        self._gauge = gauge
        self._clock = clock
        self._up = False
        self._checked = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.changed_at: float | None = None

    @property
    def is_up(self) -> bool:
        return self._up

    def check(self) -> bool:
        """Ping once now; update the state and the gauge."""
        try:
            self.store.ping()
            up, error = True, None
        except ProvenanceError as exc:
            up, error = False, str(exc)
        except Exception as exc:  # a driver failure the store did not translate
            up, error = False, f"{type(exc).__name__}: {exc}"
        changed = up != self._up or not self._checked.is_set()
        self._up, self.last_error = up, error
        if self._gauge is not None:
            self._gauge.set(1 if up else 0)
        self._checked.set()
        if changed:
            self.changed_at = self._clock()
            if not up:
                from .neo4j_errors import log_unavailable  # imports the driver: on outage

                log_unavailable(display_url(self.store), error)
        return up

    def wait_checked(self, timeout: float | None = None) -> bool:
        """Block until the first ping has answered (or failed)."""
        return self._checked.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = self._clock()
            self.check()
            self._stop.wait(max(0.0, self.interval - (self._clock() - started)))

    def start(self) -> HealthMonitor:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="graph-health",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> HealthMonitor:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


