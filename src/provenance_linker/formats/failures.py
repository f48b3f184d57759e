"""Bad input never escapes as a third-party exception.

Reading a document (parsing it, building its batch) only looks at the document, so any
exception a library or our own code raises there means the document is not what it
claims to be: it becomes `InvalidDocument` naming the file and, where the library knows
it, the line and column. `reject_lone_surrogates` keeps text the store cannot encode
(a JSON or YAML `\\ud800` escape) out of the graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InvalidDocument, LimitExceeded, ProvenanceError

# A \uD800-\uDFFF escape (JSON, YAML \u) or \U0000D800 (YAML): only then is a walk needed.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def place_of(exc: BaseException) -> str | None:
    """`line L column C` when the library says where it stopped."""
    line = col = None
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:  # PyYAML
        line, col = getattr(mark, "line", 0) + 1, getattr(mark, "column", 0) + 1
    elif isinstance(getattr(exc, "position", None), tuple):  # lxml
        line, col = exc.position[0], exc.position[1]  # type: ignore[attr-defined]
    elif isinstance(getattr(exc, "lineno", None), int):  # json, expat
        line = exc.lineno  # type: ignore[attr-defined]
        col = getattr(exc, "colno", None) or getattr(exc, "offset", None)
    if line is None:
        return None
    return f"line {line}" + (f" column {col}" if isinstance(col, int) else "")


def as_invalid(exc: Exception, what: str, where: str) -> InvalidDocument:
    if isinstance(exc, RecursionError):
        return LimitExceeded(f"{what} is nested too deeply to read", where=where)
    place = place_of(exc)
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    message = f"cannot read this {what}: {type(exc).__name__}" + (f": {detail}" if detail
                                                                  else "")
    return InvalidDocument(message, where=f"{where}: {place}" if place else where)


@contextmanager
def document_errors(what: str, where: str) -> Iterator[None]:
    """Map every exception but our own (and running out of memory) to InvalidDocument."""
    try:
        yield
    except (ProvenanceError, MemoryError):
        raise
    except Exception as exc:
        raise as_invalid(exc, what, where) from exc


def reject_lone_surrogates(text: str, value: Any, where: str) -> None:
    """Refuse a decoded document holding a lone UTF-16 surrogate (not encodable as UTF-8).

    Only escapes can produce one (decoded bytes never do), so a document without a
    surrogate escape is not walked at all."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    path = _find_surrogate(value, "$")
    if path is not None:
        raise InvalidDocument("text holds a lone UTF-16 surrogate escape (not a character)",
                              where=f"{where}: {path}")


def _find_surrogate(value: Any, path: str) -> str | None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, here = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return here
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    return f"{here} (a key)"
                stack.append((child, f"{here}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{here}[{i}]") for i, child in enumerate(item))
    return None
