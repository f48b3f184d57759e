"""Conditional download of one feed archive over HTTP(S) (the feed mirror's client).

`If-None-Match` / `If-Modified-Since` from the last successful sync; a 304 costs no
body. The body streams to a file and is cut off at `max_bytes`.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InvalidDocument, LimitExceeded, UsageError

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200 or 304
    etag: str | None = None
    last_modified: str | None = None
    size: int = 0


class HttpFetcher:
    def __init__(self, timeout: float = 60.0, max_bytes: int = 2 * 1024 * 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, url: str, dest: Path, etag: str | None, last_modified: str | None
              ) -> Fetched:
        if urlsplit(url).scheme not in ("http", "https"):
            raise UsageError(f"feed URL {url!r} is not http(s)")
        request = urllib.request.Request(url, headers={"User-Agent": "provenance-linker"})
        if etag:
            request.add_header("If-None-Match", etag)
        if last_modified:
            request.add_header("If-Modified-Since", last_modified)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Fetched(304, etag, last_modified)
            raise InvalidDocument(f"feed mirror answered HTTP {exc.code}", where=url) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise InvalidDocument(f"feed mirror unreachable: {exc}", where=url) from exc
        size = 0
        with response, dest.open("wb") as out:
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise LimitExceeded(f"download exceeds {self.max_bytes} bytes", where=url)
                out.write(chunk)
        return Fetched(200, response.headers.get("ETag"), response.headers.get("Last-Modified"),
                       size)
