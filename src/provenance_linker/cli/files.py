"""Reading input files for the CLI: expand directories, bound sizes, wrap as Documents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from ..documents import Document, Limits, load
from ..errors import InvalidDocument, LimitExceeded, UsageError


def expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and not any(part.startswith(".")
                                                           for part in p.relative_to(path).parts)))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such file or directory: {path}")
    return files


def read_document(path: Path, limits: Limits) -> Document:
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise LimitExceeded(f"file is {size} bytes, over the limit of {limits.max_bytes}",
                                where=str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidDocument(f"cannot read file: {exc.strerror}", where=str(path)) from exc
    return load(data, str(path), limits)


def iter_documents(paths: Sequence[Path], limits: Limits) -> Iterator[tuple[Path, Document | None,
                                                                           Exception | None]]:
    for path in expand(paths):
        try:
            yield path, read_document(path, limits), None
        except InvalidDocument as exc:
            yield path, None, exc
