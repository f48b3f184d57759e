"""The worker's periodic integrity check (`worker --integrity-every SECONDS`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from ..errors import ProvenanceError
from ..store.interface import GraphStore
from ..telemetry.logging import get_logger
from . import integrity


class PeriodicIntegrity:
    """Runs `integrity.verify` every `seconds` on a daemon thread until stopped; the
    verdict goes where every verify's goes (log line, `integrity/status`, the gauge)."""

    def __init__(self, store: GraphStore, seconds: float, *,
                 clock: Callable[[], datetime],
                 on_report: Callable[[integrity.IntegrityReport], None] | None = None) -> None:
        self._store = store
        self._seconds = seconds
        self._clock = clock
        self._on_report = on_report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="integrity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._seconds + 30)

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                report = integrity.verify(self._store, clock=self._clock)
            except ProvenanceError as exc:  # store down, no key: said once per round
                get_logger().error("integrity_check_failed", error=exc.message)
                continue
            if self._on_report is not None:
                self._on_report(report)
