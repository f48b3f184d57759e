"""The OCI distribution API over `Transport`: manifests and blobs (by digest, checked
against what was asked and kept in the digest cache), tag look-ups, the referrers API."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import RegistryError
from .cache import DigestCache
from .reference import ImageRef
from .transport import Transport

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = frozenset({OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST})
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the distribution spec's suggested manifest bound


def sha256_hex(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    digest: str
    media_type: str
    data: bytes
    body: dict[str, Any]

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_TYPES

    def descriptors(self, field: str) -> list[dict[str, Any]]:
        """`manifests` of an index or `layers` of a manifest: the well-formed ones."""
        items = self.body.get(field)
        return [d for d in items if isinstance(d, dict) and isinstance(d.get("digest"), str)
                ] if isinstance(items, list) else []


def _manifest(data: bytes, digest: str, header_type: str | None, where: str) -> Manifest:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise RegistryError(f"manifest is not JSON: {exc}", where=where, result="refused"
                            ) from exc
    if not isinstance(body, dict):
        raise RegistryError("manifest is not a JSON object", where=where, result="refused")
    media = body.get("mediaType") if isinstance(body.get("mediaType"), str) else None
    media = media or (header_type or "").split(";")[0].strip()
    if media not in MANIFEST_TYPES:
        if "manifests" in body:
            media = OCI_INDEX
        elif "layers" in body:
            media = OCI_MANIFEST
        else:
            raise RegistryError(f"unsupported manifest type {media!r}", where=where,
                                result="refused")
    return Manifest(digest, media, data, body)


MAX_TAG_PAGES = 20  # of 1,000 tags each; a longer list is not read (tags are probed)


class RegistryClient:
    def __init__(self, transport: Transport, cache: DigestCache) -> None:
        self.transport = transport
        self.cache = cache
        # Per command run: each repository's tag list, and hosts without a referrers API
        # (the spec's 404), so neither is asked again for every digest.
        self._tags: dict[str, frozenset[str] | None] = {}
        self._no_referrers: set[str] = set()
        self._lock = threading.Lock()

    def tags(self, ref: ImageRef) -> frozenset[str] | None:
        """Every tag of the repository (`/tags/list`, paginated), or None when the
        registry will not list them — then callers probe each tag they want."""
        key = ref.name
        with self._lock:
            if key in self._tags:
                return self._tags[key]
        found: set[str] | None = set()
        path: str | None = f"/v2/{ref.repository}/tags/list?n=1000"
        for _ in range(MAX_TAG_PAGES):
            if path is None:
                break
            reply = self.transport.request("GET", ref.api_host, path, scope=_scope(ref),
                                           limit=MAX_MANIFEST_BYTES, what=f"tags of {key}")
            try:
                listed = orjson.loads(reply.body).get("tags") if reply.status == 200 else None
            except (orjson.JSONDecodeError, AttributeError):
                listed = None
            if not isinstance(listed, list) or found is None:
                found = None
                break
            found.update(t for t in listed if isinstance(t, str))
            path = _next_page(reply.headers.get("link"), ref)
        else:
            found = None if path is not None else found
        result = frozenset(found) if found is not None else None
        with self._lock:
            self._tags[key] = result
        return result

    def resolve(self, ref: ImageRef) -> str | None:
        """The digest a tag points at now (HEAD, else GET); None if there is no such tag."""
        if ref.digest:
            return ref.digest
        where = str(ref)
        reply = self.transport.request("HEAD", ref.api_host,
                                       f"/v2/{ref.repository}/manifests/{ref.reference}",
                                       scope=_scope(ref), accept=ACCEPT, limit=0, what=where)
        if reply.status == 404:
            return None
        digest = str(reply.headers.get("docker-content-digest") or "")
        if reply.status < 300 and digest and digest.startswith("sha256:") and len(digest) == 71:
            return digest
        found = self._get_manifest(ref, None)
        return found.digest if found else None

    def manifest(self, ref: ImageRef, digest: str) -> Manifest:
        cached = self.cache.get(digest)
        where = f"{ref.name}@{digest}"
        if cached is not None:
            return _manifest(cached, digest, None, where)
        found = self._get_manifest(ref.at(digest), digest)
        if found is None:
            raise RegistryError(f"manifest {digest} is not in the registry", where=where,
                                result="not_found")
        return found

    def _get_manifest(self, ref: ImageRef, expected: str | None) -> Manifest | None:
        where = str(ref)
        reply = self.transport.request("GET", ref.api_host,
                                       f"/v2/{ref.repository}/manifests/{ref.reference}",
                                       scope=_scope(ref), accept=ACCEPT,
                                       limit=MAX_MANIFEST_BYTES, what=f"manifest {where}")
        if reply.status == 404:
            return None
        if reply.status >= 300:
            raise RegistryError(f"manifest request answered HTTP {reply.status}", where=where)
        actual = sha256_hex(reply.body)
        claimed = reply.headers.get("docker-content-digest")
        for wanted, what in ((expected, "asked for"), (claimed, "the registry claimed")):
            if wanted and wanted != actual:
                raise RegistryError(f"digest mismatch: {what} {wanted}, the manifest "
                                    f"received hashes to {actual}", where=where,
                                    result="digest_mismatch",
                                    hint="the registry or a proxy altered the content")
        manifest = _manifest(reply.body, actual, reply.headers.get("content-type"), where)
        self.cache.put(actual, reply.body)
        return manifest

    def blob(self, ref: ImageRef, descriptor: dict[str, Any], limit: int) -> bytes:
        digest = str(descriptor.get("digest"))
        where = f"{ref.name}@{digest}"
        if not digest.startswith("sha256:") or len(digest) != 71:
            raise RegistryError(f"unsupported blob digest {digest!r}", where=where,
                                result="refused")
        size = descriptor.get("size")
        if isinstance(size, int) and size > limit:
            raise RegistryError(f"blob is {size} bytes, over the limit of {limit}",
                                where=where, result="too_large")
        cached = self.cache.get(digest)
        if cached is not None:
            return cached
        reply = self.transport.request("GET", ref.api_host,
                                       f"/v2/{ref.repository}/blobs/{digest}",
                                       scope=_scope(ref), limit=limit, what=f"blob {where}")
        if reply.status >= 300:
            raise RegistryError(f"blob request answered HTTP {reply.status}", where=where,
                                result="not_found" if reply.status == 404 else "error")
        actual = sha256_hex(reply.body)
        if actual != digest:
            raise RegistryError(f"digest mismatch: asked for {digest}, the blob received "
                                f"hashes to {actual}", where=where, result="digest_mismatch",
                                hint="the registry or a proxy altered the content")
        if isinstance(size, int) and size != len(reply.body):
            raise RegistryError(f"size mismatch: the descriptor says {size} bytes, "
                                f"received {len(reply.body)}", where=where,
                                result="digest_mismatch")
        self.cache.put(digest, reply.body)
        return reply.body

    def referrers(self, ref: ImageRef, digest: str) -> list[dict[str, Any]] | None:
        """The OCI 1.1 referrers API; None when the registry does not serve it."""
        where = f"referrers of {ref.name}@{digest}"
        with self._lock:
            if ref.api_host in self._no_referrers:
                return None
        reply = self.transport.request("GET", ref.api_host,
                                       f"/v2/{ref.repository}/referrers/{digest}",
                                       scope=_scope(ref), accept=OCI_INDEX,
                                       limit=MAX_MANIFEST_BYTES, what=where)
        if reply.status in (404, 405):  # a registry with the API never answers 404
            with self._lock:
                self._no_referrers.add(ref.api_host)
            return None
        if reply.status >= 300:
            raise RegistryError(f"referrers request answered HTTP {reply.status}",
                                where=where)
        index = _manifest(reply.body, sha256_hex(reply.body), OCI_INDEX, where)
        return index.descriptors("manifests")


def _next_page(link: str | None, ref: ImageRef) -> str | None:
    """RFC 5988 `Link: </v2/…/tags/list?n=…&last=…>; rel="next"`, on the same host."""
    if not link or 'rel="next"' not in link:
        return None
    target = link.split(";", 1)[0].strip().strip("<>")
    if target.startswith("/v2/"):
        return target
    return None


def _scope(ref: ImageRef) -> str:
    return f"repository:{ref.repository}:pull"
