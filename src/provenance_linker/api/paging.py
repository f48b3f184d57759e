"""Query parameters shared by paged reads."""

from __future__ import annotations

from typing import Any

from fastapi import Query

from ..model import MAX_SEQ


def after_cursor() -> Any:
    return Query(0, ge=0, le=MAX_SEQ, description="the `next` (or last `seq`) of the page before")
