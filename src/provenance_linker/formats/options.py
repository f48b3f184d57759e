"""How a document is parsed: strictness and size limits (shared by every parser)."""

from __future__ import annotations

from dataclasses import dataclass

from ..documents import Limits


@dataclass(frozen=True, slots=True)
class ParseOptions:
    strict: bool = False  # refuse documents that fail schema validation
    limits: Limits = Limits()
