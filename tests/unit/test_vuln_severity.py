"""Severity: CVSS v2/v3/v4 scored by the cvss library; labels when no vector exists."""

from __future__ import annotations

import pytest

from provenance_linker.vulns.severity import assess, at_least, level_of_score, score_vector


@pytest.mark.parametrize(("score", "level"), [
    (0.0, "none"), (0.1, "low"), (3.9, "low"), (4.0, "medium"), (6.9, "medium"),
    (7.0, "high"), (8.9, "high"), (9.0, "critical"), (10.0, "critical"),
])
def test_score_bands(score: float, level: str) -> None:
    assert level_of_score(score) == level


def test_cvss_v3_vector() -> None:
    sev = score_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    assert sev is not None
    assert (sev.level, sev.score, sev.cvss_version, sev.source) == ("critical", 10.0, "3.1",
                                                                    "cvss_v3")


def test_cvss_v3_0_and_medium() -> None:
    sev = score_vector("CVSS_V3", "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L")
    assert sev is not None
    assert sev.level == "medium" and sev.cvss_version == "3.0" and sev.score == 5.3


def test_cvss_v4_vector() -> None:
    sev = score_vector("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert sev is not None
    assert sev.level == "critical" and sev.score == 9.3 and sev.cvss_version == "4.0"


def test_cvss_v2_vector() -> None:
    sev = score_vector("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")
    assert sev is not None
    assert sev.score == 7.5 and sev.level == "high" and sev.source == "cvss_v2"


def test_malformed_vector_is_ignored() -> None:
    assert score_vector("CVSS_V3", "CVSS:3.1/AV:X") is None


def test_highest_version_vector_preferred() -> None:
    record = {"severity": [
        {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:N/I:N/A:P"},
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}
    sev = assess(record)
    assert sev.source == "cvss_v3" and sev.level == "critical"


def test_database_label_when_no_vector() -> None:
    sev = assess({"severity": [], "database_specific": {"severity": "MODERATE"}})
    assert (sev.level, sev.source, sev.vector) == ("medium", "database_specific", None)


def test_ecosystem_label_in_affected() -> None:
    sev = assess({"affected": [{"ecosystem_specific": {"severity": "HIGH"}}]})
    assert (sev.level, sev.source) == ("high", "affected.ecosystem_specific")


def test_nothing_known() -> None:
    sev = assess({"id": "X"})
    assert sev.level is None and sev.source is None


def test_at_least() -> None:
    assert at_least("critical", "high")
    assert not at_least("medium", "high")
    assert not at_least(None, "low")
    assert at_least(None, None)
