"""SARIF 2.1.0 logs of `query vulns`, `query blast-radius` and `verify` answers, for code
scanning dashboards and auditors (schema: OASIS sarif-schema-2.1.0.json).

One rule per advisory (vulns, blast radius) or per policy check (verify). A VEX
statement that suppresses a finding becomes an external, accepted suppression with its
justification; the dependency path of a blast-radius hit is a code flow of logical
locations (artifact → package → … → vulnerable package)."""

from __future__ import annotations

import hashlib
from typing import Any

from .. import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
               "sarif-schema-2.1.0.json"
LEVEL_OF_SEVERITY = {"critical": "error", "high": "error", "medium": "warning",
                     "low": "note", "none": "note"}


def _log(rules: list[dict[str, Any]], results: list[dict[str, Any]],
         properties: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "provenance-linker", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "results": results, "properties": properties}]}


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _level(severity: str | None, malicious: bool) -> str:
    if malicious:
        return "error"
    return LEVEL_OF_SEVERITY.get(str(severity or "").lower(), "warning")


def _rule(v: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"tags": ["security", "malicious"] if v.get("malicious")
                             else ["security"], "aliases": v.get("aliases") or []}
    if v.get("cvss_score") not in (None, ""):
        props["security-severity"] = str(v["cvss_score"])
    if v.get("severity"):
        props["severity"] = v["severity"]
    text = v.get("summary") or v["id"]
    return {"id": v["id"], "name": v["id"].replace("-", ""),
            "shortDescription": {"text": text[:1000]},
            "fullDescription": {"text": text},
            "defaultConfiguration": {"level": _level(v.get("severity"),
                                                     bool(v.get("malicious")))},
            "properties": props}


def _package_location(purl: str, artifact: str, names: list[str]) -> dict[str, Any]:
    label = (names or [artifact])[0]
    return {"physicalLocation": {"artifactLocation": {"uri": purl}},
            "logicalLocations": [{"name": label, "fullyQualifiedName": f"{label}@{artifact}",
                                  "kind": "module"},
                                 {"name": purl, "fullyQualifiedName": purl,
                                  "kind": "package"}]}


def _suppressions(vex: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not vex:
        return []
    why = vex.get("justification") or vex.get("statement") or vex.get("status") or ""
    return [{"kind": "external", "status": "accepted",
             "justification": f"VEX {vex.get('status')}: {why}"}]


def vulns_sarif(data: dict[str, Any]) -> dict[str, Any]:
    art = data["artifact"]
    rows = [*data["vulnerabilities"], *data["suppressed"]]
    rules: dict[str, dict[str, Any]] = {}
    for r in rows:
        rules.setdefault(r["id"], _rule(r))
    order = {rid: i for i, rid in enumerate(sorted(rules))}
    results = []
    for r in rows:
        fixed = ", ".join(r.get("fixed") or []) or "no fixed version"
        result: dict[str, Any] = {
            "ruleId": r["id"], "ruleIndex": order[r["id"]],
            "level": _level(r.get("severity"), bool(r.get("malicious"))),
            "message": {"text": f"{r['package']} is affected by {r['id']}"
                        f"{' (malicious)' if r.get('malicious') else ''}: "
                        f"{r.get('summary') or ''} Fixed in: {fixed}."},
            "locations": [_package_location(r["package"], r.get("artifact") or art["digest"],
                                            art["names"])],
            "partialFingerprints": {"provenanceFinding/v1": _fingerprint(
                art["digest"], r["package"], r["id"])},
            "properties": {"artifact": art["digest"], "fixed": r.get("fixed") or [],
                           "aliases": r.get("aliases") or [],
                           "from_artifact": r.get("artifact")}}
        suppressions = _suppressions(r.get("suppressed"))
        if suppressions:
            result["suppressions"] = suppressions
        results.append(result)
    return _log([rules[k] for k in sorted(rules)], results,
                {"artifact": art, "packages": data["packages"]})


def _flow(path: list[dict[str, str]]) -> dict[str, Any]:
    return {"threadFlows": [{"locations": [
        {"location": {"logicalLocations": [{"name": step["label"],
                                            "fullyQualifiedName": step["key"],
                                            "kind": step["kind"]}]},
         "nestingLevel": 0, "executionOrder": i}
        for i, step in enumerate(path)]}]}


def blast_radius_sarif(data: dict[str, Any]) -> dict[str, Any]:
    v = data["vulnerability"]
    rule = _rule(v)
    by_artifact: dict[str, list[dict[str, Any]]] = {}
    for d in data["deployments"]:
        by_artifact.setdefault(d["artifact"], []).append(d)
    results = []
    for a in data["artifacts"]:
        deployments = by_artifact.get(a["digest"], [])
        where = f"; runs in {len(deployments)} workloads" if deployments else ""
        result: dict[str, Any] = {
            "ruleId": v["id"], "ruleIndex": 0,
            "level": _level(v.get("severity"), bool(v.get("malicious"))),
            "message": {"text": f"{(a['names'] or [a['digest']])[0]} holds {a['package']} "
                        f"({a['via']}){where}. Path: "
                        + " → ".join(step["label"] for step in a["path"])},
            "locations": [_package_location(a["package"], a["digest"], a["names"])],
            "codeFlows": [_flow(a["path"])],
            "partialFingerprints": {"provenanceFinding/v1": _fingerprint(
                a["digest"], a["package"], v["id"])},
            "properties": {"artifact": a["digest"], "via": a["via"], "fixed": a["fixed"],
                           "deployments": [d["key"] for d in deployments]}}
        if deployments:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": f"{d['key']} ({', '.join(d['environments'])})"},
                 "logicalLocations": [{"name": d["key"], "fullyQualifiedName": d["key"],
                                       "kind": "deployment"}]}
                for i, d in enumerate(deployments)]
        suppressions = _suppressions(a.get("suppressed"))
        if suppressions:
            result["suppressions"] = suppressions
        results.append(result)
    return _log([rule], results, {"query": data["query"],
                                  "environment": data["environment"],
                                  "summary": data["summary"]})


def leaf_checks(check: dict[str, Any], trail: tuple[str, ...] = ()
                ) -> list[tuple[str, dict[str, Any]]]:
    """(path like `all-of/signed-by`, check) for every check without children."""
    here = (*trail, check["check"])
    if not check["children"]:
        return [("/".join(here), check)]
    return [leaf for child in check["children"] for leaf in leaf_checks(child, here)]


def verify_sarif(report: dict[str, Any]) -> dict[str, Any]:
    leaves = leaf_checks(report["checks"])
    names = sorted({c["check"] for _, c in leaves})
    rules = [{"id": n, "name": n.replace("-", " ").title().replace(" ", ""),
              "shortDescription": {"text": f"policy check {n}"},
              "defaultConfiguration": {"level": "error"}} for n in names]
    order = {n: i for i, n in enumerate(names)}
    target = report["artifact"]
    results = []
    for path, check in leaves:
        results.append({
            "ruleId": check["check"], "ruleIndex": order[check["check"]],
            "kind": "pass" if check["passed"] else "fail",
            "level": "none" if check["passed"] else "error",
            "message": {"text": f"{path}: {check['detail']}"},
            "locations": [{"logicalLocations": [{
                "name": target, "fullyQualifiedName": f"{target}@{report['digest']}"
                if "@" not in target else target, "kind": "module"}]}],
            "partialFingerprints": {"provenanceCheck/v1": _fingerprint(
                report["digest"], path)},
            "properties": {"check_path": path, "evidence": check["evidence"][:50]}})
    return _log(rules, results, {"artifact": target, "digest": report["digest"],
                                 "environment": report["environment"],
                                 "result": report["result"], "policy": report["policy"],
                                 "bypass": report["bypass"]})
