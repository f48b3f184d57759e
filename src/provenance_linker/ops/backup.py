"""Backup archives: a consistent online snapshot of a whole store, restorable into any
backend and proven by the backend-independent content digest.

An archive is gzip'd JSON lines: a header (format name and version), one line per
document (its batch as `export_document` gives it, in ingest order), per record, per
page of log entries (verbatim: sequence numbers, times, hashes), per pending queue job,
then a manifest: counts, content digest, log heads, the SHA-256 of every line before it,
and — when an integrity key is configured — an HMAC of that manifest. Everything is read
inside one `store.snapshot()`, so writers keep going and the archive is one state.
`restore` reads the whole archive and checks it before it writes anything.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import itertools
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from ..errors import InvalidDocument, StoreError, UsageError
from ..jobs.interface import PENDING_STATES, Job, JobQueue
from ..model import Batch, DocumentInfo, DocumentRows, EdgeKind, LogEntry, NodeKind
from ..store import display_url
from ..store.copy import all_records, log_pages
from ..store.interface import GraphStore
from ..store.seal import Sealer

FORMAT = "provenance-linker-backup"
VERSION = 1
_NODE_KINDS = frozenset(map(str, NodeKind))
_EDGE_KINDS = frozenset(map(str, EdgeKind))


@dataclass(slots=True)
class Manifest:
    documents: int = 0
    records: int = 0
    log_entries: int = 0
    jobs: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    content_digest: str = ""
    log_heads: dict[str, list[Any]] = field(default_factory=dict)
    source: str = ""
    created_at: str = ""
    body_sha256: str = ""
    mac: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- writing ----------------------------------------------------------------------------
class _Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class ArchiveWriter:
    def __init__(self, out: _Sink) -> None:
        self.out = out
        self.body = hashlib.sha256()

    def line(self, value: Any) -> None:
        data = orjson.dumps(value) + b"\n"
        self.body.update(data)
        self.out.write(data)


def document_line(batch: Batch) -> dict[str, Any]:
    info = batch.document
    return {"t": "document",
            "info": [info.digest, info.kind, info.format, info.name, dict(info.meta),
                     info.ingested_at],
            "nodes": [[str(n.kind), n.key, dict(n.props)] for n in batch.nodes],
            "edges": [[str(e.kind), str(e.src.kind), e.src.key, str(e.dst.kind), e.dst.key,
                       dict(e.props), e.doc] for e in batch.edges]}


def _job_line(job: Job) -> dict[str, Any]:
    fields = asdict(job)
    fields["data"] = base64.b64encode(job.data).decode()
    return {"t": "job", "job": fields}


def _manifest_mac(sealer: Sealer | None, manifest: Manifest) -> str | None:
    if sealer is None:
        return None
    fields = manifest.as_dict()
    fields.pop("mac")
    return sealer.mac("backup", fields)


def write_backup(store: GraphStore, path: Path, *, clock: Callable[[], datetime],
                 queue: JobQueue | None = None) -> Manifest:
    """Write the archive to `path` (via a temporary file renamed at the end, so a failed
    backup never leaves a partial archive under the final name)."""
    manifest = Manifest(source=display_url(store), created_at=clock().isoformat())
    partial = path.with_name(path.name + ".partial")
    try:
        with gzip.open(partial, "wb", compresslevel=1) as out:
            writer = ArchiveWriter(out)
            writer.line({"t": "header", "format": FORMAT, "version": VERSION,
                         "created_at": manifest.created_at, "source": manifest.source})
            with store.snapshot():
                _write_graph(store, writer, manifest)
            if queue is not None:  # its own storage: pending jobs as the queue holds them now
                for state in PENDING_STATES:
                    for listed in queue.list(state, limit=1_000_000):
                        job = queue.get(listed.id, with_data=True)
                        if job is not None:
                            writer.line(_job_line(job))
                            manifest.jobs += 1
            manifest.body_sha256 = writer.body.hexdigest()
            manifest.mac = _manifest_mac(store.sealer, manifest)
            writer.out.write(orjson.dumps({"t": "manifest", **manifest.as_dict()}) + b"\n")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write the backup: {exc.strerror}", where=str(path)) from exc
    return manifest


def _write_graph(store: GraphStore, writer: ArchiveWriter, manifest: Manifest) -> None:
    for info in store.documents():
        batch = store.export_document(info.digest)
        if batch is not None:
            writer.line(document_line(batch))
            manifest.documents += 1
    for collection, key, value in all_records(store):
        writer.line({"t": "record", "collection": collection, "key": key, "value": value})
        manifest.records += 1
    for stream, page in log_pages(store):
        writer.line({"t": "log", "stream": stream,
                     "entries": [[e.seq, e.at, dict(e.payload), e.prev_hash, e.hash]
                                 for e in page]})
        manifest.log_entries += len(page)
        manifest.log_heads[stream] = [page[-1].seq, page[-1].hash]
    manifest.counts = store.counts()
    manifest.content_digest = store.content_digest()


# --- reading and checking -----------------------------------------------------------------
_READ = 1 << 20  # archive bytes per read when checking
_MANIFEST = b'{"t":"manifest"'  # how the writer starts the manifest line
_HEADER_MAX = 1 << 16  # a first line longer than this is no header


@contextmanager
def _opened(path: Path) -> Iterator[gzip.GzipFile]:
    """The archive's decompressed stream; read failures become errors naming it."""
    try:
        with gzip.open(path, "rb") as stream:
            yield stream
    except FileNotFoundError as exc:
        raise UsageError("backup archive not found", where=str(path)) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidDocument(f"backup archive is damaged or truncated ({exc})",
                              where=str(path)) from exc


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with _opened(path) as stream:
        yield from enumerate(stream, 1)


def _blocks(path: Path) -> Iterator[bytes]:
    with _opened(path) as stream:
        while block := stream.read(_READ):
            yield block


def _check_header(raw: bytes, path: Path) -> None:
    where = f"{path}: line 1"
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        line = None
    if not isinstance(line, dict) or line.get("t") != "header" \
            or line.get("format") != FORMAT:
        raise InvalidDocument("not a provenance-linker backup archive", where=where)
    if line.get("version") != VERSION:
        raise InvalidDocument(
            f"backup archive format version {line.get('version')!r} is not supported "
            f"(this release reads version {VERSION})", where=where)


def check_archive(path: Path, sealer: Sealer | None = None) -> Manifest:
    """Read the whole archive; raise InvalidDocument unless it is complete, unedited and
    of this format version. Returns its manifest.

    The body is hashed as it is read, in large blocks, holding back only the line being
    read (the last line must be the manifest); lines are parsed when restored, inside
    the restore's transaction."""
    body = hashlib.sha256()
    held: list[bytes] = []  # the last line so far, not hashed yet
    head = b""  # the first line, until it is complete
    header_checked = early_manifest = False

    def hash_parts(*parts: bytes) -> None:
        nonlocal early_manifest
        for part in parts:
            body.update(part)
            early_manifest = early_manifest or b"\n" + _MANIFEST in part

    for block in _blocks(path):
        if not header_checked:
            head += block
            if (end := head.find(b"\n")) >= 0 or len(head) >= _HEADER_MAX:
                _check_header(head[: end if end >= 0 else len(head)], path)
                header_checked = True
        if held and held[-1].endswith(b"\n"):  # a complete line, and more follows
            hash_parts(*held)
            held = []
        cut = block.rfind(b"\n", 0, len(block) - 1) + 1  # where the block's last line begins
        if cut:
            hash_parts(*held, block[:cut])
            held = [block[cut:]]
        else:
            held.append(block)
    if not header_checked and head:
        _check_header(head, path)
    last = b"".join(held)
    manifest = None
    if last.startswith(_MANIFEST):
        try:
            manifest = orjson.loads(last)
        except orjson.JSONDecodeError:
            manifest = None
    if not isinstance(manifest, dict):
        if early_manifest:
            raise InvalidDocument("backup archive has data after its manifest",
                                  where=str(path))
        raise InvalidDocument("backup archive is truncated (no manifest)", where=str(path))
    manifest.pop("t", None)
    try:
        found = Manifest(**manifest)
    except TypeError as exc:
        raise InvalidDocument("backup manifest is malformed", where=str(path)) from exc
    if not hmac.compare_digest(found.body_sha256, body.hexdigest()):
        raise InvalidDocument("backup archive content does not match its manifest digest "
                              "(edited or damaged)", where=str(path))
    if sealer is not None and found.mac is not None and not hmac.compare_digest(
            found.mac, _manifest_mac(sealer, found) or ""):
        raise InvalidDocument("backup manifest MAC does not match the integrity key "
                              "(edited, or written under another key)", where=str(path))
    return found


# --- restoring --------------------------------------------------------------------------
@dataclass(slots=True)
class RestoreReport:
    target: str
    manifest: Manifest
    documents: int = 0
    records: int = 0
    log_entries: int = 0
    jobs: int = 0
    content_digest: str = ""
    verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "documents": self.documents, "records": self.records,
                "log_entries": self.log_entries, "jobs": self.jobs,
                "content_digest": self.content_digest,
                "archive_digest": self.manifest.content_digest, "verified": self.verified}


def _require_empty(target: GraphStore) -> None:
    if target.documents() or target.record_collections() or target.log_streams():
        raise UsageError("the target store is not empty", where=display_url(target),
                         hint="restore into a new or wiped database, so the result can be "
                         "proven equal to the archive")


def _parsed(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The archive's lines as JSON objects (checked whole by `check_archive` first)."""
    for number, raw in _lines(path):
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidDocument(f"backup archive line is not JSON ({exc})",
                                  where=f"{path}: line {number}") from exc
        if not isinstance(line, dict) or not isinstance(line.get("t"), str):
            raise InvalidDocument("backup archive line is not a typed object",
                                  where=f"{path}: line {number}")
        yield number, line


def _rows(line: dict[str, Any]) -> DocumentRows:
    """A document line as rows, its shape and kinds checked column by column (an
    archive without a MAC may be forged: every value reaches the store)."""
    digest, kind, fmt, name, meta, ingested_at = line["info"]
    if not all(isinstance(v, str) for v in (digest, kind, fmt, name)) \
            or not isinstance(meta, dict) or not isinstance(ingested_at, str | None):
        raise TypeError("document info")
    nodes, edges = line["nodes"], line["edges"]
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise TypeError("nodes or edges")
    if nodes:
        kinds, keys, props = zip(*nodes, strict=True)
        _check_column(kinds, _NODE_KINDS, "node kind")
        _check_types(keys, {str}, "node key")
        _check_types(props, {dict}, "node properties")
    if edges:
        kinds, src_kinds, src_keys, dst_kinds, dst_keys, props, docs = zip(*edges, strict=True)
        _check_column(kinds, _EDGE_KINDS, "edge kind")
        _check_column(src_kinds + dst_kinds, _NODE_KINDS, "edge end kind")
        _check_types(src_keys + dst_keys, {str}, "edge end key")
        _check_types(props, {dict}, "edge properties")
        _check_types(docs, {str, type(None)}, "edge document")
    return DocumentRows(DocumentInfo(digest, kind, fmt, name, meta, ingested_at), nodes, edges)


def _check_column(values: tuple[Any, ...], allowed: frozenset[str], what: str) -> None:
    if unknown := set(values) - allowed:
        raise ValueError(f"unknown {what} {sorted(map(repr, unknown))[0]}")


def _check_types(values: tuple[Any, ...], allowed: set[type], what: str) -> None:
    if set(map(type, values)) - allowed:
        raise TypeError(f"{what} of the wrong type")


def restore(path: Path, target: GraphStore, *, queue: JobQueue | None = None) -> RestoreReport:
    """Check the archive whole, then load it in one pass: its documents in bulk
    (`load_documents`), then records, logs and jobs; prove it by the content digest."""
    manifest = check_archive(path, target.sealer)
    _require_empty(target)
    report = RestoreReport(display_url(target), manifest)
    lines = _parsed(path)
    after: list[dict[str, Any]] = []  # the first line after the documents

    def documents() -> Iterator[DocumentRows]:
        for number, line in lines:
            if line["t"] == "document":
                report.documents += 1
                try:
                    yield _rows(line)
                except (KeyError, TypeError, ValueError) as exc:
                    raise InvalidDocument(f"backup document line is malformed ({exc!r})",
                                          where=f"{path}: line {number}") from exc
            elif line["t"] != "header":
                after.append(line)
                return

    target.load_documents(documents())
    for line in itertools.chain(after, (line for _, line in lines)):
        kind = line["t"]
        if kind == "record":
            target.put_record(line["collection"], line["key"], line["value"])
            report.records += 1
        elif kind == "log":
            stream = line["stream"]
            entries = [LogEntry(stream, seq, at, payload, prev, digest)
                       for seq, at, payload, prev, digest in line["entries"]]
            report.log_entries += target.import_log(stream, entries)
        elif kind == "job" and queue is not None:
            fields = dict(line["job"])
            fields["data"] = base64.b64decode(fields["data"])
            queue.enqueue(Job(**fields))
            report.jobs += 1
    report.content_digest = target.content_digest()
    problems = []
    whole = manifest.source != "prune"  # a prune archive holds some documents only
    if whole and report.content_digest != manifest.content_digest:
        problems.append("content digest differs from the archive's")
    if whole and target.counts() != manifest.counts:
        problems.append("counts differ from the archive's")
    if (report.documents, report.records, report.log_entries) != (
            manifest.documents, manifest.records, manifest.log_entries):
        problems.append("restored fewer items than the archive lists")
    if problems:
        raise StoreError("restore verification failed: " + "; ".join(problems),
                         where=report.target)
    report.verified = True
    return report
