"""The graph ontology as typed, frozen values (see docs/architecture.md).

A node is identified by its kind and natural key; an edge by its kind, endpoints and
the document that asserted it. Properties are plain JSON-compatible mappings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NewType

Digest = NewType("Digest", str)  # "sha256:<64 hex>"
Purl = NewType("Purl", str)  # canonical package URL
VulnId = NewType("VulnId", str)  # OSV / CVE / GHSA / MAL id

Props = Mapping[str, Any]


class _NoProps(dict[str, Any]):
    """The empty properties every node and edge without any shares (a 20,000-package
    SBOM has about 70,000 such edges: one empty dict each was 4 MB). Read-only, so
    sharing it is safe; it is a dict, so it serializes and compares as `{}`."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the shared empty properties are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    update = setdefault = pop = popitem = clear = _refuse


NO_PROPS: Props = _NoProps()


def _no_props() -> Props:
    return NO_PROPS


class NodeKind(StrEnum):
    ARTIFACT = "Artifact"  # key: sha256 digest
    NAME = "Name"  # key: an artifact name or name:tag; NAMES -> Artifact
    PACKAGE = "Package"  # key: canonical purl with version
    SBOM = "Sbom"  # key: sha256 of the document bytes
    VULNERABILITY = "Vulnerability"  # key: OSV/CVE/GHSA/MAL id
    SIGNATURE = "Signature"  # key: sha256 of the signature bytes
    ATTESTATION = "Attestation"  # key: sha256 of the envelope
    KEY = "Key"  # key: sha256 of the SPKI
    IDENTITY = "Identity"  # key: issuer + " " + subject
    BUILD = "Build"  # key: invocation id (or a digest of the build's definition)
    SOURCE = "Source"  # key: repo@commit
    DEPLOYMENT = "Deployment"  # key: cluster/namespace/kind/name
    ENVIRONMENT = "Environment"  # key: environment name


class EdgeKind(StrEnum):
    DESCRIBES = "DESCRIBES"  # Sbom -> Artifact
    LISTS = "LISTS"  # Sbom -> Package
    DEPENDS_ON = "DEPENDS_ON"  # Sbom|Package -> Package, scoped by the asserting Sbom
    CONTAINS = "CONTAINS"  # Artifact|Package -> Artifact|Package
    IS = "IS"  # Package -> Artifact (component hash == artifact digest)
    NAMES = "NAMES"  # Name -> Artifact, props: at (when recorded)
    AFFECTED_BY = "AFFECTED_BY"  # Package -> Vulnerability, props: the matched range
    ALIAS_OF = "ALIAS_OF"  # Vulnerability -> Vulnerability
    VEX = "VEX"  # Artifact -> Vulnerability, props: status, justification
    SIGNS = "SIGNS"  # Signature -> Artifact
    ATTESTS = "ATTESTS"  # Attestation -> Artifact
    SIGNED_BY = "SIGNED_BY"  # Signature|Attestation -> Key|Identity
    BUILT_BY = "BUILT_BY"  # Artifact -> Build
    FROM = "FROM"  # Build -> Source
    USED = "USED"  # Build -> Artifact|Package|Source (materials)
    RUNS = "RUNS"  # Deployment -> Artifact
    IN = "IN"  # Deployment -> Environment


class Direction(StrEnum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class NodeRef:
    kind: NodeKind
    key: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True, slots=True)
class Node:
    kind: NodeKind
    key: str
    props: Props = field(default_factory=_no_props, hash=False)

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.kind, self.key)


@dataclass(frozen=True, slots=True)
class Edge:
    """An assertion that src relates to dst. `doc` is the asserting document's digest;
    None means the document of the batch that carries the edge."""

    kind: EdgeKind
    src: NodeRef
    dst: NodeRef
    props: Props = field(default_factory=_no_props, hash=False)
    doc: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A source document as the store records it."""

    digest: str  # sha256:<hex> of the bytes
    kind: str  # DocumentKind value
    format: str  # Format value
    name: str  # file name or upload name
    meta: Props = field(default_factory=dict, hash=False)
    ingested_at: str | None = None  # set by the store
    seq: int | None = None  # ingest order, set by the store


@dataclass(frozen=True, slots=True)
class Batch:
    """Everything one document asserts, applied in one transaction.

    `replaces` names an earlier document whose assertions are withdrawn in the same
    transaction (a newer revision of an advisory, say)."""

    document: DocumentInfo
    nodes: Sequence[Node] = ()
    edges: Sequence[Edge] = ()
    replaces: Sequence[str] = ()
    log: Sequence[tuple[str, Props]] = ()  # (stream, payload) appended in the same transaction


# Sequence numbers (log entries, documents) are int64 on both backends; a cursor or a
# count past it cannot name a row and would not bind, so adapters refuse it up front.
MAX_SEQ = 2**63 - 1


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of a hash-chained, append-only log (see ledger.py)."""

    stream: str
    seq: int
    at: str
    payload: Props
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ApplyResult:
    document: str
    created: bool  # False when the document was already stored
    nodes_written: int
    edges_written: int


@dataclass(frozen=True, slots=True)
class TraversalStep:
    """One edge reached by a traversal, at `depth` hops from a start node."""

    depth: int
    edge: Edge
    node: Node  # the node this step arrives at


def sha256_digest(hex_or_digest: str) -> Digest:
    """Normalize 'sha256:HEX' or bare 'HEX' to 'sha256:<lowercase hex>'."""
    value = hex_or_digest.strip()
    if value.lower().startswith("sha256:"):
        value = value[7:]
    value = value.lower()
    if len(value) != 64 or value.strip("0123456789abcdef"):  # not only hex digits
        raise ValueError(f"not a sha256 digest: {hex_or_digest!r}")
    return Digest("sha256:" + value)


def sha256_digest_or_none(value: object) -> Digest | None:
    """`sha256:<64 lowercase hex>` when `value` is a SHA-256 digest (bare hex or with the
    prefix), else None: the one rule every Artifact key passes."""
    if not isinstance(value, str):
        return None
    try:
        return sha256_digest(value)
    except ValueError:
        return None


def is_sha256_hex(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)


def refs(nodes: Sequence[Node]) -> list[NodeRef]:
    return [n.ref for n in nodes]


# A batch as plain rows (`DocumentRows`): node (kind, key, properties); edge (kind, source
# kind, source key, target kind, target key, properties, asserting document or None).
NodeRow = tuple[str, str, Props]
EdgeRow = tuple[str, str, str, str, str, Props, str | None]


@dataclass(frozen=True, slots=True)
class DocumentRows:
    """A `Batch` as plain rows, for bulk loads (restores): the same content without an
    object per node and edge (a million-occurrence restore would build five million)."""

    document: DocumentInfo
    nodes: Sequence[NodeRow] = ()
    edges: Sequence[EdgeRow] = ()
    replaces: Sequence[str] = ()
    log: Sequence[tuple[str, Props]] = ()

    @classmethod
    def of(cls, batch: Batch) -> DocumentRows:
        return cls(batch.document, [(n.kind, n.key, n.props) for n in batch.nodes],
                   [(e.kind, e.src.kind, e.src.key, e.dst.kind, e.dst.key, e.props, e.doc)
                    for e in batch.edges], batch.replaces, batch.log)

    def batch(self) -> Batch:
        """The same content as a `Batch` (ValueError for a kind this release lacks)."""
        nodes = [Node(NodeKind(k), key, props) for k, key, props in self.nodes]
        refs: dict[tuple[str, str], NodeRef] = {(n.kind, n.key): n.ref for n in nodes}

        def ref(kind: str, key: str) -> NodeRef:
            found = refs.get((kind, key))
            if found is None:
                found = refs[(kind, key)] = NodeRef(NodeKind(kind), key)
            return found

        edges = [Edge(EdgeKind(k), ref(sk, skey), ref(dk, dkey), props, doc)
                 for k, sk, skey, dk, dkey, props, doc in self.edges]
        return Batch(self.document, nodes, edges, self.replaces, self.log)
