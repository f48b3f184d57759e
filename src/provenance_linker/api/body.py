"""Reading request bodies with a bound: `Content-Length` is checked by the middleware,
a chunked body here, while it streams."""

from __future__ import annotations

from fastapi import Request

from ..errors import LimitExceeded


async def read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise LimitExceeded(f"request body is over the limit of {limit} bytes",
                                where="body")
        chunks.append(chunk)
    return b"".join(chunks)
