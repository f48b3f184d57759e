"""`ingest image`: resolve each reference, fetch the image's manifests and every piece of
evidence (threads, bounded), then ingest each document through the orchestrator exactly
as the file paths do — one transaction per document, linked to the digest it was fetched
for. Network work runs in parallel; graph writes run in the calling thread, in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..documents import DocumentKind, Limits, load, sha256_of
from ..errors import AmbiguousReference, InvalidDocument, NotFound, ProvenanceError, RegistryError
from ..graph.refs import ArtifactRef, resolve
from ..ingest.contract import IngestOptions
from ..model import NodeKind, NodeRef
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger
from .client import Manifest, RegistryClient
from .discovery import Discovered, discover, platforms
from .evidence import EvidenceKind
from .reference import ImageRef

if TYPE_CHECKING:
    from ..ingest.orchestrator import Linker

EXPECTED_KIND: dict[EvidenceKind, frozenset[DocumentKind]] = {
    EvidenceKind.SIGNATURE: frozenset({DocumentKind.SIGNATURE}),
    EvidenceKind.ATTESTATION: frozenset({DocumentKind.ATTESTATION, DocumentKind.SIGNATURE}),
    EvidenceKind.SBOM: frozenset({DocumentKind.SBOM}),
}


@dataclass(frozen=True, slots=True)
class FetchOptions:
    concurrency: int = 8
    strict: bool = False
    limits: Limits = Limits()
    actor: Mapping[str, Any] | None = None


@dataclass(slots=True)
class Fetched:
    """One image as the registry holds it (no graph writes yet)."""

    ref: ImageRef
    manifest: Manifest | None = None
    found: list[Discovered] = field(default_factory=list)
    error: ProvenanceError | None = None


@dataclass(slots=True)
class ImageResult:
    reference: str
    digest: str | None
    moved_from: str | None = None  # the digest the graph had for this tag before
    ingested: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    referrers_api: bool | None = None
    failed: bool = False  # nothing could be fetched for this image

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "digest": self.digest,
                "moved_from": self.moved_from, "ingested": self.ingested,
                "refused": self.refused, "referrers_api": self.referrers_api}


def fetch_one(client: RegistryClient, ref: ImageRef, limits: Limits) -> Fetched:
    fetched = Fetched(ref)
    try:
        digest = client.resolve(ref)
        if digest is None:
            raise RegistryError(f"no such image {ref}", where=str(ref), result="not_found",
                                hint="check the repository and tag")
        fetched.ref = ref.with_digest(digest)
        fetched.manifest = client.manifest(ref, digest)
        digests = [digest]
        if fetched.manifest.is_index:
            digests += [d for d, _, _ in platforms(fetched.manifest)]
        fetched.found = [discover(client, ref, d, sbom_limit=limits.max_bytes)
                         for d in digests]
    except ProvenanceError as exc:
        fetched.error = exc
    return fetched


class ImageIngest:
    def __init__(self, store: GraphStore, client: RegistryClient, options: FetchOptions, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.client = client
        self.options = options
        self._clock = clock or (lambda: datetime.now(UTC))
        self._linker_made: Linker | None = None

    @property
    def _linker(self) -> Linker:
        """Made on first use: a re-fetch of unchanged evidence ingests nothing, and the
        orchestrator and its parsers are most of this command's start-up imports."""
        if self._linker_made is None:
            from ..ingest.orchestrator import Linker

            self._linker_made = Linker(self.store, clock=self._clock)
        return self._linker_made

    def run(self, refs: Sequence[ImageRef]) -> list[ImageResult]:
        workers = max(1, min(self.options.concurrency, len(refs)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="registry") as pool:
            futures = [pool.submit(fetch_one, self.client, ref, self.options.limits)
                       for ref in refs]
            return [self.ingest(future.result()) for future in futures]

    def ingest(self, fetched: Fetched) -> ImageResult:
        result = ImageResult(str(fetched.ref), fetched.ref.digest)
        if fetched.error is not None or fetched.manifest is None:
            error = fetched.error or RegistryError("nothing fetched", where=str(fetched.ref))
            result.refused.append(_refusal(str(fetched.ref), error))
            result.failed = True
            return result
        self._observe(fetched, result)
        for found in fetched.found:
            if found.referrers_api is not None:
                result.referrers_api = bool(result.referrers_api) or found.referrers_api
            for error in found.refused:
                result.refused.append(_refusal(error.where or str(fetched.ref), error))
            for piece in found.evidence:
                known = self._known(piece.data, piece.kind)
                if known is not None:  # unchanged evidence: no parse, no transaction
                    result.ingested.append({**known, "source": str(piece.source),
                                            "subject": piece.subject})
                    continue
                try:
                    document = load(piece.data, piece.name, self.options.limits)
                    if document.kind not in EXPECTED_KIND[piece.kind]:
                        raise InvalidDocument(f"a {piece.kind} layer holds a "
                                              f"{document.format} {document.kind} document",
                                              where=piece.name)
                    options = IngestOptions(strict=self.options.strict,
                                            artifact=ArtifactRef(fetched.ref.name,
                                                                 piece.subject),
                                            limits=self.options.limits,
                                            actor=self.options.actor)
                    report = self._linker.ingest(document, options).as_dict()
                    report.update(source=str(piece.source), subject=piece.subject)
                    result.ingested.append(report)
                except ProvenanceError as exc:
                    result.refused.append(_refusal(piece.name, exc))
        get_logger().info(events.REGISTRY_FETCHED, reference=result.reference,
                          digest=result.digest, moved_from=result.moved_from,
                          ingested=len(result.ingested), refused=len(result.refused))
        return result

    def _known(self, data: bytes, kind: EvidenceKind) -> dict[str, Any] | None:
        """The report for a document the graph already has (ingest is idempotent by
        digest; this skips reading it again)."""
        info = self.store.document(sha256_of(data))
        if info is None or DocumentKind(info.kind) not in EXPECTED_KIND[kind]:
            return None
        return {"document": info.digest, "name": info.name, "kind": info.kind,
                "format": info.format, "created": False,
                "summary": dict(info.meta.get("summary", {})), "warnings": []}

    def _observe(self, fetched: Fetched, result: ImageResult) -> None:
        """Record the tag → digest observation when it is news to the graph."""
        ref, manifest = fetched.ref, fetched.manifest
        assert manifest is not None and ref.digest is not None
        known = self.store.get(NodeRef(NodeKind.ARTIFACT, ref.digest))
        current: str | None = None
        if ref.tag:
            try:
                current = resolve(self.store, ArtifactRef(f"{ref.name}:{ref.tag}", None)).digest
            except (NotFound, AmbiguousReference):
                current = None
            result.moved_from = current if current not in (None, ref.digest) else None
        if known is not None and "media_type" in known.props and (
                ref.tag is None or current == ref.digest):
            return
        from ..formats.oci_image import observation  # only when there is news

        data = observation(ref.name, ref.tag, ref.digest, manifest.media_type,
                           self._clock().isoformat(), list(platforms(manifest))
                           if manifest.is_index else [])
        try:
            document = load(data, str(ref), self.options.limits)
            report = self._linker.ingest(document, IngestOptions(
                limits=self.options.limits, actor=self.options.actor)).as_dict()
            report.update(source="manifest", subject=ref.digest)
            result.ingested.append(report)
        except ProvenanceError as exc:
            result.refused.append(_refusal(str(ref), exc))


def _refusal(where: str, error: ProvenanceError) -> dict[str, str]:
    result = error.result if isinstance(error, RegistryError) else "refused"
    return {"file": where, "error": str(error), "hint": error.hint or "", "result": result}
