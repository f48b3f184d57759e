"""Load shedding: past a bound on requests in flight, answer 503 with `Retry-After` at
once instead of queueing without bound (queued requests only grow latency and memory
until every caller times out). Health, readiness and metrics are never shed."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import problem

NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})


class InFlightLimit:
    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after: int = 1) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after = retry_after
        self.in_flight = 0  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in NEVER_SHED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            response = problem(503, "Service unavailable",
                               f"{self.in_flight} requests in flight, at the limit of "
                               f"{self.max_in_flight}; retry shortly",
                               instance=scope.get("path"),
                               headers={"Retry-After": str(self.retry_after)})
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
