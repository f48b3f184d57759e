"""Reading request bodies with a bound: `Content-Length` is checked by the middleware,
a chunked body here, while it streams; uploads also draw on the process's upload budget."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request

from ..errors import LimitExceeded, Overloaded


async def _bounded_chunks(request: Request, limit: int) -> AsyncIterator[tuple[bytes, int]]:
    """Each chunk of the body with the bytes read so far; refused once over `limit`."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise LimitExceeded(f"request body is over the limit of {limit} bytes",
                                where="body")
        yield chunk, size


async def read_body(request: Request, limit: int) -> bytes:
    return b"".join([chunk async for chunk, _ in _bounded_chunks(request, limit)])


class UploadBudget:
    """Bytes of upload bodies one process holds at once, from the first byte read until
    the job is queued. Detection and queueing need a small multiple of the body, so this
    bounds what concurrent large uploads cost; past it an upload is answered 503 with
    `Retry-After` instead of every one of them being held at once. One event loop per
    process takes and gives back: no lock."""

    def __init__(self, limit: int, retry_after: int = 2) -> None:
        self.limit = limit
        self.retry_after = retry_after
        self.held = 0

    def take(self, size: int) -> None:
        if self.held + size > self.limit:
            raise Overloaded(f"{self.held} bytes of uploads are being processed, at the "
                             f"budget of {self.limit}; retry shortly", where="body",
                             retry_after=self.retry_after)
        self.held += size

    def give_back(self, size: int) -> None:
        self.held -= size


@asynccontextmanager
async def budgeted_body(request: Request, limit: int,
                        budget: UploadBudget) -> AsyncIterator[bytes]:
    """The body, read against `limit` and `budget`; its bytes count against the budget
    until the block ends."""
    taken = 0
    try:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) <= limit:  # refuse before reading
            budget.take(int(declared))
            taken = int(declared)
        chunks: list[bytes] = []
        async for chunk, size in _bounded_chunks(request, limit):
            if size > taken:
                budget.take(size - taken)
                taken = size
            chunks.append(chunk)
        data = b"".join(chunks)
        del chunks
        yield data
    finally:
        budget.give_back(taken)
