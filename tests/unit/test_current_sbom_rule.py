"""The current-SBOM rule (graph/sboms.py) on its own: dated beats undated, instants are
compared across offsets, unparseable dates count as undated, ties go to the later ingest."""

from __future__ import annotations

from typing import Any

from provenance_linker.graph.sboms import newest_first


def _order(*rows: tuple[str, Any, int]) -> list[str]:
    return [key for key, _, _ in newest_first(
        (key, {} if created is None else {"created": created}, seq)
        for key, created, seq in rows)]


def test_a_dated_sbom_beats_an_undated_one_ingested_later() -> None:
    assert _order(("dated", "2020-01-01T00:00:00Z", 1), ("undated", None, 2)) == [
        "dated", "undated"]
    assert _order(("undated", "", 2), ("dated", "2020-01-01", 1))[0] == "dated"


def test_dates_are_compared_as_instants() -> None:
    # 01:00+02:00 is 23:00 the day before in UTC: earlier than midnight UTC
    assert _order(("east", "2024-05-02T01:00:00+02:00", 2),
                  ("utc", "2024-05-02T00:00:00Z", 1)) == ["utc", "east"]
    assert _order(("naive", "2024-05-02T00:00:01", 1),
                  ("utc", "2024-05-02T00:00:00Z", 2)) == ["naive", "utc"]


def test_an_unparseable_date_counts_as_undated() -> None:
    assert _order(("garbled", "yesterday", 5), ("dated", "2001-01-01T00:00:00Z", 1)) == [
        "dated", "garbled"]


def test_ties_go_to_the_later_ingest() -> None:
    assert _order(("first", "2024-01-01T00:00:00Z", 1),
                  ("second", "2024-01-01T00:00:00+00:00", 2)) == ["second", "first"]
    assert _order(("first", None, 1), ("second", None, 2)) == ["second", "first"]
