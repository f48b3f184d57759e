"""VEX triage from the explorer: a writer's verdict on (artifact, advisory) is recorded as
a one-statement OpenVEX document and ingested like any other (same parser, same
transaction, same audit), so it can be exported and replaced like the rest."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from ...access import audit
from ...documents import Limits, load
from ...errors import UsageError
from ...formats.openvex import STATUSES
from ...graph.refs import resolve
from ...ingest.contract import IngestOptions
from ...ingest.orchestrator import Linker
from ...queries.reports_vex import OPENVEX_CONTEXT, artifact_purl
from ...store.interface import GraphStore

JUSTIFICATIONS = ("component_not_present", "vulnerable_code_not_present",
                  "vulnerable_code_not_in_execute_path",
                  "vulnerable_code_cannot_be_controlled_by_adversary",
                  "inline_mitigations_already_exist")


def record_vex(store: GraphStore, artifact: str, vulnerability: str, status: str,
               justification: str, statement: str, *, author: str) -> str:
    """Ingest the statement; returns the digest of the OpenVEX document written."""
    if status not in STATUSES:
        raise UsageError(f"unknown VEX status {status!r}", hint=", ".join(sorted(STATUSES)))
    if justification and justification not in JUSTIFICATIONS:
        raise UsageError(f"unknown justification {justification!r}",
                         hint=", ".join(JUSTIFICATIONS))
    if status == "not_affected" and not (justification or statement.strip()):
        raise UsageError("not_affected needs a justification or an impact statement")
    resolved = resolve(store, artifact)
    assert resolved.digest is not None
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    entry: dict[str, object] = {
        "vulnerability": {"name": vulnerability.strip()},
        "products": [{"@id": artifact_purl(resolved.digest, resolved.name)}],
        "status": status, "timestamp": now}
    if justification:
        entry["justification"] = justification
    if statement.strip():
        entry["impact_statement" if status == "not_affected" else "status_notes"] = \
            statement.strip()
    doc = {"@context": OPENVEX_CONTEXT, "@id": f"urn:provenance-linker:triage:{now}",
           "author": author, "timestamp": now, "version": 1, "statements": [entry]}
    document = load(orjson.dumps(doc), f"triage-{vulnerability.strip()}.openvex.json",
                    Limits())
    report = Linker(store).ingest(document, IngestOptions())
    audit.record(store, action="ui.vex", actor=author, outcome="ok",
                 target=resolved.digest, vulnerability=vulnerability.strip(), status=status,
                 document=report.document)
    return report.document
