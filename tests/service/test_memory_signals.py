"""The memory log lines the HighMemoryUsage runbook greps for."""

from __future__ import annotations

import io
import json

import pytest

from provenance_linker.telemetry import events
from provenance_linker.telemetry import logging as tlog
from provenance_linker.telemetry.memory import RssWatch, guard_memory, rss_bytes


def _capture() -> io.StringIO:
    stream = io.StringIO()
    tlog.configure(events.COMPONENT_API, level="INFO", stream=stream)
    return stream


def test_memory_error_logs_out_of_memory() -> None:
    stream = _capture()
    try:
        with pytest.raises(MemoryError), guard_memory(job="j1"):
            raise MemoryError
    finally:
        tlog.configure()
    line = json.loads(stream.getvalue())
    assert line["event"] == "OutOfMemory" and line["level"] == "ERROR"
    assert line["job"] == "j1" and line["rss_bytes"] > 0


def test_rss_growth_past_threshold_warns_memory_leak() -> None:
    assert rss_bytes() > 0
    stream = _capture()
    try:
        watch = RssWatch(threshold_bytes=1)  # any process is above one byte
        assert watch.check() is True
        assert watch.check() is False  # no further growth: no repeat warning
        quiet = RssWatch(threshold_bytes=1 << 50)
        assert quiet.check() is False
    finally:
        tlog.configure()
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert [x["event"] for x in lines] == ["memory leak suspected"]
    assert lines[0]["level"] == "WARNING" and lines[0]["component"] == "provenance-api"
