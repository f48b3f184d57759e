"""Stacked bar charts drawn as inline SVG (no script, no style attribute: the CSP holds),
for the overview's verification outcomes over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

OUTCOMES = ("success", "failure", "bypassed")  # bottom to top
HEIGHT = 40.0  # viewBox units; the width is 100


def stacked_bars(buckets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One rect per (bucket, outcome) with a count: x, y, width, height in a 100×40 box."""
    top = max([sum(b["counts"].values()) for b in buckets] + [1])
    step = 100.0 / max(1, len(buckets))
    rects: list[dict[str, Any]] = []
    for i, bucket in enumerate(buckets):
        y = HEIGHT
        for outcome in (*OUTCOMES, *sorted(set(bucket["counts"]) - set(OUTCOMES))):
            n = bucket["counts"].get(outcome, 0)
            if not n:
                continue
            h = (HEIGHT - 2) * n / top
            y -= h
            rects.append({"x": round(i * step + step * 0.1, 2), "y": round(y, 2),
                          "width": round(step * 0.8, 2), "height": round(h, 2),
                          "outcome": outcome, "count": n, "start": bucket["start"]})
    return rects
