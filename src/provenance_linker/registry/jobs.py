"""Image fetches as queue jobs (`POST /v1/images` → worker): the job's bytes name the
references; the worker fetches and ingests them like `ingest image`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from ..config import RegistrySettings
from ..documents import Limits
from ..errors import InvalidDocument, ProvenanceError, RegistryError
from ..store.interface import GraphStore
from . import AccessOptions, open_client
from .fetch import FetchOptions, ImageIngest
from .reference import parse_image_ref

IMAGE_JOB = "image"
MAX_REFERENCES = 500
# A whole-image failure with one of these results is worth a retry by the queue.
TRANSIENT_RESULTS = frozenset({"rate_limited", "server_error", "unreachable"})


def image_job_data(payload: Any) -> tuple[bytes, str]:
    """Check a request body `{"references": [...], "strict": bool}`; return the job bytes
    and a name for messages. Bad references are refused now, not in the worker."""
    if not isinstance(payload, dict) or not isinstance(payload.get("references"), list):
        raise InvalidDocument('expected {"references": ["HOST/REPOSITORY:TAG", ...]}',
                              where="body: $.references")
    refs = payload["references"]
    if not refs or len(refs) > MAX_REFERENCES:
        raise InvalidDocument(f"give 1 to {MAX_REFERENCES} references", where="body: "
                              "$.references")
    for index, ref in enumerate(refs):
        if not isinstance(ref, str):
            raise InvalidDocument("a reference is a string",
                                  where=f"body: $.references[{index}]")
        try:
            parse_image_ref(ref)
        except ProvenanceError as exc:
            raise InvalidDocument(exc.message, where=f"body: $.references[{index}]",
                                  hint=exc.hint) from exc
    data = orjson.dumps({"references": refs, "strict": bool(payload.get("strict")),
                         "requested_at": time.time()}, option=orjson.OPT_SORT_KEYS)
    name = refs[0] if len(refs) == 1 else f"{refs[0]} and {len(refs) - 1} more"
    return data, name


def run_image_job(store: GraphStore, data: bytes, limits: Limits,
                  actor: Mapping[str, Any]) -> dict[str, Any]:
    body = orjson.loads(data)
    settings = RegistrySettings.from_env()
    access = AccessOptions(insecure_hosts=settings.insecure_hosts,
                           ca_bundle=settings.ca_bundle, concurrency=settings.concurrency,
                           slow_seconds=settings.slow_seconds)
    client = open_client(access)
    try:
        results = ImageIngest(store, client, FetchOptions(
            concurrency=access.concurrency, strict=bool(body.get("strict")), limits=limits,
            actor=actor)).run([parse_image_ref(r) for r in body["references"]])
    finally:
        client.transport.close()
    for result in results:  # a whole image the registry could not serve now: retry later
        if result.failed and result.refused[0].get("result") in TRANSIENT_RESULTS:
            error = result.refused[0]
            raise RegistryError(error["error"], hint=error["hint"] or None,
                                result=error["result"])
    return {"images": [r.as_dict() for r in results], "created": any(
        i.get("created") for r in results for i in r.ingested)}
