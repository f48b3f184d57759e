"""CSV of `query vulns`, `query blast-radius` and `verify` answers (RFC 4180, a header
row, one finding / workload / check per row). A cell that a spreadsheet would run as a
formula (= + - @ tab CR first) is prefixed with a quote: advisory text is untrusted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from .reports_sarif import leaf_checks

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _vex(v: dict[str, Any] | None) -> tuple[str, str]:
    if not v:
        return "", ""
    return str(v.get("status") or ""), str(v.get("justification") or v.get("statement") or "")


def vulns_csv(data: dict[str, Any]) -> str:
    art = data["artifact"]
    rows = []
    for r in [*data["vulnerabilities"], *data["suppressed"]]:
        status, why = _vex(r.get("suppressed"))
        rows.append([art["digest"], art["names"], r["id"], r.get("aliases"), r.get("severity"),
                     r.get("cvss_score"), r.get("malicious"), r["package"], r.get("version"),
                     r.get("ecosystem"), r.get("fixed"), r.get("artifact"), status, why,
                     r.get("summary")])
    return to_csv(["artifact", "names", "advisory", "aliases", "severity", "cvss_score",
                   "malicious", "package", "version", "ecosystem", "fixed_in",
                   "listed_by_artifact", "vex_status", "vex_reason", "summary"], rows)


def blast_radius_csv(data: dict[str, Any]) -> str:
    v = data["vulnerability"]
    by_artifact: dict[str, list[dict[str, Any]]] = {}
    for d in data["deployments"]:
        by_artifact.setdefault(d["artifact"], []).append(d)
    rows = []
    for a in data["artifacts"]:
        status, why = _vex(a.get("suppressed"))
        path = " > ".join(step["label"] for step in a["path"])
        workloads: list[dict[str, Any] | None] = [*by_artifact.get(a["digest"], [])] or [None]
        for d in workloads:
            rows.append([v["id"], v.get("severity"), a["digest"], a["names"], a["via"],
                         a["package"], a["fixed"], status, why,
                         d["key"] if d else "", d["environments"] if d else "",
                         d["image"] if d else "", path])
    return to_csv(["advisory", "severity", "artifact", "names", "via", "package", "fixed_in",
                   "vex_status", "vex_reason", "deployment", "environments", "image",
                   "path"], rows)


def verify_csv(report: dict[str, Any]) -> str:
    rows = [[report["artifact"], report["digest"], report["environment"], report["result"],
             path, check["passed"], check["detail"], len(check["evidence"])]
            for path, check in leaf_checks(report["checks"])]
    return to_csv(["artifact", "digest", "environment", "result", "check", "passed",
                   "detail", "evidence_items"], rows)
