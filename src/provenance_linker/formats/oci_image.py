"""An image observation: what a registry said a tag resolves to, and for an image index
the platform manifests it lists. Written by `ingest image` (registry/) after every
digest in it was checked; read back here like any other document."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from ..documents import Document
from ..errors import InvalidDocument
from ..model import sha256_digest
from .options import ParseOptions


@dataclass(frozen=True, slots=True)
class Platform:
    digest: str
    media_type: str
    platform: str | None


@dataclass(frozen=True, slots=True)
class ImageRecord:
    name: str  # host/repository
    tag: str | None
    digest: str
    media_type: str
    observed_at: str
    manifests: tuple[Platform, ...]


def observation(name: str, tag: str | None, digest: str, media_type: str, observed_at: str,
                manifests: list[tuple[str, str, str | None]]) -> bytes:
    return orjson.dumps({"ociImage": {
        "name": name, "tag": tag, "digest": digest, "mediaType": media_type,
        "observedAt": observed_at,
        "manifests": [{"digest": d, "mediaType": t, "platform": p} for d, t, p in manifests],
    }}, option=orjson.OPT_SORT_KEYS)


def parse(document: Document, options: ParseOptions) -> ImageRecord:
    where = f"{document.name}: $.ociImage"
    try:
        body = orjson.loads(document.data)["ociImage"]
        manifests = tuple(Platform(sha256_digest(str(m["digest"])), str(m["mediaType"]),
                                   m.get("platform")) for m in body.get("manifests") or [])
        tag = body.get("tag")
        return ImageRecord(str(body["name"]), str(tag) if tag else None,
                           sha256_digest(str(body["digest"])), str(body["mediaType"]),
                           str(body["observedAt"]), manifests)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidDocument(f"not an image observation: {exc}", where=where) from exc
