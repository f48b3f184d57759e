"""What the ingest orchestrator and its builders share.

Builders import this module and nothing of the orchestrator, so the orchestrator can
import every builder without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..documents import Document, Limits
from ..graph.refs import ArtifactRef
from ..model import Batch
from ..store.interface import GraphStore


@dataclass(frozen=True, slots=True)
class IngestOptions:
    strict: bool = False
    artifact: ArtifactRef | None = None  # the subject, when the document does not say
    environment: str | None = None  # for deployments
    cluster: str | None = None  # for deployments: the cluster the snapshot came from
    limits: Limits = Limits()
    actor: Mapping[str, Any] | None = None  # who asked (recorded in the ledger)


@dataclass(slots=True)
class Built:
    """What a builder returns: the batch plus a JSON-able summary and warnings."""

    batch: Batch
    summary: dict[str, Any]
    warnings: list[str]


class BuildContext(Protocol):
    store: GraphStore
    options: IngestOptions
    now: str


Builder = Callable[[Any, Document, BuildContext], Built]
Enricher = Callable[[GraphStore, Batch], Batch]
