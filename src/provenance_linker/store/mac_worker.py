"""A bulk load's row MACs, computed in a second process while the loading one writes.

A million-occurrence restore seals five million rows at about 1.7 µs each, in Python
(store/seal.py): a third of its CPU. The MACs depend only on a row's content, not on the
ids SQLite gives it, so a child process computes them from the document's rows while the
parent builds and writes them, one document ahead. The child reads requests on a thread
of its own, so neither side can block the other on a full pipe.
"""

from __future__ import annotations

import contextlib
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import IO, Any

import orjson

from ..errors import StoreError
from ..model import NO_PROPS, DocumentRows, EdgeRow, NodeRow, Props
from .ledger import canonical_json
from .seal import Sealer
from .sqlite_rows import dumps

MAC_BYTES = 32  # HMAC-SHA256


def merged_nodes(nodes: Sequence[NodeRow], edges: Sequence[EdgeRow]
                 ) -> dict[tuple[str, str], Props]:
    """A document's nodes by key as `apply` writes them: repeats merged, edge ends that
    are not listed added without properties."""
    merged: dict[tuple[str, str], Props] = {}
    for kind, key, props in nodes:
        current = merged.get((kind, key))
        merged[(kind, key)] = props if current is None else {**current, **props}
    for _, sk, skey, dk, dkey, _, _ in edges:
        merged.setdefault((sk, skey), NO_PROPS)
        merged.setdefault((dk, dkey), NO_PROPS)
    return merged


def row_macs(sealer: Sealer, own: str, nodes: Sequence[NodeRow], edges: Sequence[EdgeRow]
             ) -> Iterator[bytes]:
    """The MAC of each merged node as first inserted, then of each edge, in order (the
    row contents `sqlite_write` seals) for the document whose digest is `own`."""
    digest = sealer.digest
    for (kind, key), props in merged_nodes(nodes, edges).items():
        yield digest(canonical_json(["nodes", kind, key, dumps(props)]))
    for kind, sk, skey, dk, dkey, props, doc in edges:
        yield digest(canonical_json(["edges", kind, sk, skey, dk, dkey, doc or own,
                                     dumps(props)]))


_LENGTH = struct.Struct("<Q")  # each message: its length, then its bytes


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def serve(requests_in: IO[bytes], answers_out: IO[bytes]) -> None:
    """The child's loop: the key, then per request a document's rows, answered with
    their MACs (32 bytes each, in order)."""
    key = _receive(requests_in)
    if not key:
        return
    sealer = Sealer(key)
    requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def receive() -> None:
        while (request := _receive(requests_in)) is not None:
            requests.put(request)
        requests.put(None)

    threading.Thread(target=receive, daemon=True).start()
    try:
        while (request := requests.get()) is not None:
            own, nodes, edges = orjson.loads(request)
            _send(answers_out, b"".join(row_macs(sealer, own, nodes, edges)))
    except OSError:  # the loading process stopped (its error is the one reported)
        return


def _plain(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):  # properties given as another kind of mapping
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


class MacWorker:
    """`submit` a document's rows, then `macs` gives their MACs as hex, in submit order."""

    def __init__(self, sealer: Sealer) -> None:
        # A fresh interpreter running only this module: safe whatever threads run here,
        # and the key goes over the pipe, not the command line.
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests, self._answers = self._process.stdin, self._process.stdout
        self._request(sealer.key)

    def _request(self, data: bytes) -> None:
        try:
            _send(self._requests, data)
        except OSError as exc:
            raise StoreError("the bulk load's MAC process stopped") from exc

    def submit(self, rows: DocumentRows) -> None:
        self._request(orjson.dumps([rows.document.digest, rows.nodes, rows.edges],
                                   default=_plain))

    def macs(self, expected: int) -> list[str]:
        answer = _receive(self._answers)
        if answer is None:
            raise StoreError("the bulk load's MAC process stopped")
        if len(answer) != expected * MAC_BYTES:
            raise StoreError("the bulk load's MAC process answered for other rows")
        text, step = answer.hex(), 2 * MAC_BYTES
        return [text[i : i + step] for i in range(0, len(text), step)]

    def close(self) -> None:
        for pipe in (self._requests, self._answers):  # the child stops at either end
            with contextlib.suppress(OSError):
                pipe.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> MacWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except Exception:  # the loading process reports that this one stopped
        sys.exit(1)
