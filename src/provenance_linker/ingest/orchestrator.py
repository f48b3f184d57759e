"""The ingest orchestrator: detect → parse → build a batch → enrich → one transaction.

It sees only interfaces: the parsers registry, the batch builders registry (by
document kind), enrichers, and the `GraphStore`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import formats
from ..documents import Document, DocumentKind
from ..errors import InvalidDocument, ProvenanceError, UnsupportedDocument
from ..formats.failures import document_errors
from ..model import Batch
from ..runtime.reevaluate import after_ingest
from ..store.interface import GraphStore
from ..store.ledger import LEDGER_STREAM
from ..telemetry import events
from ..telemetry.logging import get_logger
from .advisories import build_advisory
from .contract import BuildContext, Builder, Built, Enricher, IngestOptions
from .deployments import build_deployments
from .enrich_advisories import match_new_packages
from .gcpause import gc_paused
from .images import build_image
from .relink import MAX_RECALLED_WARNINGS, link_stored_sbom, recalled_warnings
from .vex import build_openvex, build_sbom_with_vex


@dataclass(slots=True)
class IngestReport:
    document: str
    name: str
    kind: str
    format: str
    created: bool
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "name": self.name, "kind": self.kind,
                "format": self.format, "created": self.created, "summary": self.summary,
                "warnings": self.warnings}


def _build_evidence(record: Any, document: Document, ctx: BuildContext) -> Built:
    # The verifiers (cryptography, sigstore) load with the first signature or
    # attestation, so an SBOM ingest does not pay for them (start-up is per process).
    from .evidence import build_evidence
    return build_evidence(record, document, ctx)


# DocumentKind -> the builder of a batch from that kind's parsed record.
BUILDERS: dict[DocumentKind, Builder] = {
    DocumentKind.SBOM: build_sbom_with_vex,  # SBOM + the VEX embedded in a CycloneDX BOM
    DocumentKind.ATTESTATION: _build_evidence,
    DocumentKind.SIGNATURE: _build_evidence,
    DocumentKind.ADVISORY: build_advisory,
    DocumentKind.VEX: build_openvex,
    DocumentKind.DEPLOYMENT: build_deployments,
    DocumentKind.IMAGE: build_image,
}
# Enrichers run on every batch before it is applied (e.g. advisory matching).
ENRICHERS: list[Enricher] = [match_new_packages]
# Run after a new document is stored: re-judge what runs now (runtime/reevaluate.py).
AFTER_APPLY: list[Callable[[GraphStore, Batch], None]] = [after_ingest]


def builder_for(kind: DocumentKind) -> Builder | None:
    return BUILDERS.get(kind)


@dataclass(slots=True)
class _Context:
    store: GraphStore
    options: IngestOptions
    now: str


def _after_apply(hook: Callable[[GraphStore, Batch], None], store: GraphStore,
                 batch: Batch) -> None:
    # The document is stored; a failing follow-up is logged, never undoes the ingest.
    try:
        hook(store, batch)
    except Exception as exc:
        get_logger().error(events.REEVALUATION_FAILED, document=batch.document.name,
                           hook=getattr(hook, "__qualname__", str(hook)), error=str(exc))
def _check_keys(batch: Batch) -> None:
    """Every node key is text: a builder that passed a document's number through as a
    key is caught here rather than inside the store."""
    for node in batch.nodes:
        if not isinstance(node.key, str) or not node.key:
            raise InvalidDocument(f"a {node.kind} is identified by {node.key!r}, not by text")


class Linker:
    def __init__(self, store: GraphStore, *, clock: Callable[[], datetime] | None = None,
                 enrichers: Sequence[Enricher] | None = None) -> None:
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self._enrichers = list(enrichers) if enrichers is not None else [
            *ENRICHERS]

    def ingest(self, document: Document, options: IngestOptions | None = None) -> IngestReport:
        options = options or IngestOptions()
        log = get_logger()
        try:
            with gc_paused():  # bulk allocation: see gcpause.py
                report = self._ingest(document, options)
        except ProvenanceError as exc:
            if exc.where is None or not exc.where.startswith(document.name):
                exc.with_where(document.name)
            log.warning(events.DOCUMENT_REFUSED, document=document.name, reason=str(exc))
            raise
        log.info(events.DOCUMENT_INGESTED, document=document.name, digest=document.digest,
                 kind=report.kind, format=report.format, created=report.created,
                 warnings=len(report.warnings))
        return report

    def _ingest(self, document: Document, options: IngestOptions) -> IngestReport:
        existing = self.store.document(document.digest)
        if existing is not None:
            if options.strict:  # strict mode validates whatever it is given
                formats.parse(document, formats.ParseOptions(True, options.limits))
            summary = dict(existing.meta.get("summary", {}))
            warnings = recalled_warnings(existing)
            if options.artifact is not None:
                linked, said = link_stored_sbom(self.store, existing, options.artifact,
                                                self._clock().isoformat(),
                                                dict(options.actor or {}))
                if linked is not None:
                    summary["subject"] = linked
                    warnings = [w for w in warnings if "pass --artifact" not in w]
                warnings.append(said)
            return IngestReport(document.digest, document.name, str(document.kind),
                                str(document.format), created=False,
                                summary=summary, warnings=warnings)
        record = formats.parse(document, formats.ParseOptions(options.strict, options.limits))
        builder = builder_for(document.kind)
        if builder is None:
            raise UnsupportedDocument(f"cannot ingest {document.kind} documents yet")
        ctx = _Context(self.store, options, self._clock().isoformat())
        # Building reads only the document: what fails here is the document's fault.
        with document_errors(f"{document.format} document", document.name):
            built = builder(record, document, ctx)
            _check_keys(built.batch)
        del record  # the batch has everything now; keep peak memory to one copy
        batch = built.batch
        for enrich in self._enrichers:
            batch = enrich(self.store, batch)
        # The warnings are kept so that ingesting the same document again repeats them.
        meta = {**batch.document.meta, "summary": built.summary,
                "warnings": built.warnings[:MAX_RECALLED_WARNINGS],
                "warning_count": len(built.warnings)}
        entry = {"action": "ingest", "document": document.digest, "name": document.name,
                 "kind": str(document.kind), "format": str(document.format),
                 "nodes": len(batch.nodes), "edges": len(batch.edges),
                 "actor": dict(options.actor or {})}
        batch = Batch(
            document=type(batch.document)(
                digest=batch.document.digest, kind=batch.document.kind,
                format=batch.document.format, name=batch.document.name, meta=meta),
            nodes=batch.nodes, edges=batch.edges, replaces=batch.replaces,
            log=[*batch.log, (LEDGER_STREAM, entry)],
        )
        result = self.store.apply(batch)
        if result.created:
            for hook in AFTER_APPLY:
                _after_apply(hook, self.store, batch)
        return IngestReport(document.digest, document.name, str(document.kind),
                            str(document.format), created=result.created,
                            summary=built.summary, warnings=built.warnings)
