"""Format parsers, one module per format, registered by `Format` (imported on first use)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from ..documents import Document, Format, Limits
from ..errors import UnsupportedDocument


@dataclass(frozen=True, slots=True)
class ParseOptions:
    strict: bool = False  # refuse documents that fail schema validation
    limits: Limits = Limits()


# Format -> "module:function"; the function takes (Document, ParseOptions).
PARSERS: dict[Format, str] = {
    Format.CYCLONEDX_JSON: "provenance_linker.formats.cyclonedx:parse",
}


def parser_for(fmt: Format) -> Callable[[Document, ParseOptions], Any]:
    target = PARSERS.get(fmt)
    if target is None:
        raise UnsupportedDocument(f"no parser for {fmt} yet")
    module, func = target.split(":")
    return cast(Callable[[Document, ParseOptions], Any],
                getattr(importlib.import_module(module), func))


def parse(document: Document, options: ParseOptions | None = None) -> Any:
    try:
        return parser_for(document.format)(document, options or ParseOptions())
    except UnsupportedDocument as exc:
        raise (exc.with_where(document.name) if exc.where is None else exc) from None
