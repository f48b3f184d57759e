"""`export vex --artifact REF --format openvex|cyclonedx`: the VEX statements that apply
to an artifact now (the latest statement per advisory id), so triage recorded here can
be handed to scanners. The product is the artifact as an OCI purl pinned by digest.

Justifications are translated between the vocabularies (OpenVEX ↔ CycloneDX analysis);
one without an equivalent is kept as the statement text. The document id is derived
from the content, so the same statements always give the same document."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from packageurl import PackageURL

from ..errors import UsageError
from ..graph.refs import ArtifactRef, names_of, resolve, split_name
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

FORMATS = ("openvex", "cyclonedx")
OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
CDX_STATE = {"not_affected": "not_affected", "fixed": "resolved", "affected": "exploitable",
             "under_investigation": "in_triage"}
OPENVEX_TO_CDX = {"component_not_present": "requires_dependency",
                  "vulnerable_code_not_present": "code_not_present",
                  "vulnerable_code_not_in_execute_path": "code_not_reachable",
                  "vulnerable_code_cannot_be_controlled_by_adversary": "requires_environment",
                  "inline_mitigations_already_exist": "protected_by_mitigating_control"}
CDX_TO_OPENVEX = {v: k for k, v in OPENVEX_TO_CDX.items()} | {
    "protected_at_runtime": "inline_mitigations_already_exist",
    "protected_at_perimeter": "inline_mitigations_already_exist",
    "protected_by_compiler": "inline_mitigations_already_exist",
    "requires_configuration": "vulnerable_code_cannot_be_controlled_by_adversary"}


def artifact_purl(digest: str, name: str | None) -> str:
    """pkg:oci/NAME@sha256%3AHEX?repository_url=REGISTRY/PATH (name from the last segment)."""
    qualifiers: dict[str, str] = {}
    short = "artifact"
    if name:
        repository, _ = split_name(name.split("@", 1)[0])
        short = repository.rsplit("/", 1)[-1]
        qualifiers["repository_url"] = repository
    return str(PackageURL(type="oci", name=short.lower(), version=digest,
                          qualifiers=qualifiers or None).to_string())


def statements_for(store: GraphStore, digest: str) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for e in store.edges([EdgeKind.VEX], src=[NodeRef(NodeKind.ARTIFACT, digest)]):
        row = {"vulnerability": e.dst.key, "status": str(e.props.get("status") or ""),
               "justification": str(e.props.get("justification") or ""),
               "statement": str(e.props.get("statement") or ""),
               "timestamp": str(e.props.get("timestamp") or ""),
               "source": str(e.props.get("source") or "")}
        current = latest.get(e.dst.key)
        if current is None or (row["timestamp"], row["status"]) >= (current["timestamp"],
                                                                     current["status"]):
            latest[e.dst.key] = row
    vulns = store.get_many(NodeKind.VULNERABILITY, latest)
    rows: list[dict[str, Any]] = []
    for key in sorted(latest):
        node = vulns.get(key)
        rows.append({**latest[key], "aliases": sorted(node.props.get("aliases") or [])
                     if node else []})
    return rows


def _doc_id(kind: str, body: Any) -> str:
    digest = hashlib.sha256(repr((kind, body)).encode()).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=5)}"


def _openvex(purl: str, rows: list[dict[str, Any]], now: str) -> dict[str, Any]:
    statements = []
    for r in rows:
        s: dict[str, Any] = {"vulnerability": {"name": r["vulnerability"]},
                             "products": [{"@id": purl}], "status": r["status"]}
        if r["aliases"]:
            s["vulnerability"]["aliases"] = r["aliases"]
        if r["timestamp"]:
            s["timestamp"] = r["timestamp"]
        justification = r["justification"]
        if justification and justification not in OPENVEX_TO_CDX:
            justification = CDX_TO_OPENVEX.get(justification, "")
        if r["status"] == "not_affected":
            if justification:
                s["justification"] = justification
            s["impact_statement"] = r["statement"] or r["justification"] or \
                "not affected (recorded in provenance-linker)"
        elif r["status"] == "affected":
            s["action_statement"] = r["statement"] or "no action statement recorded"
        elif r["statement"]:
            s["status_notes"] = r["statement"]
        statements.append(s)
    stamps = [r["timestamp"] for r in rows if r["timestamp"]]
    return {"@context": OPENVEX_CONTEXT, "@id": _doc_id("openvex", (purl, statements)),
            "author": "provenance-linker", "role": "Document Creator",
            "timestamp": max(stamps) if stamps else now, "version": 1,
            "statements": statements}


def _cyclonedx(purl: str, digest: str, name: str | None, rows: list[dict[str, Any]],
               now: str) -> dict[str, Any]:
    vulnerabilities = []
    for r in rows:
        analysis: dict[str, Any] = {"state": CDX_STATE.get(r["status"], "in_triage")}
        justification = OPENVEX_TO_CDX.get(r["justification"], r["justification"])
        if justification in CDX_TO_OPENVEX:
            analysis["justification"] = justification
        if r["statement"]:
            analysis["detail"] = r["statement"]
        entry: dict[str, Any] = {"id": r["vulnerability"], "analysis": analysis,
                                 "affects": [{"ref": purl}]}
        if r["timestamp"]:
            entry["updated"] = r["timestamp"]
        vulnerabilities.append(entry)
    repository = split_name(name.split("@", 1)[0])[0] if name else "artifact"
    stamps = [r["timestamp"] for r in rows if r["timestamp"]]
    return {"bomFormat": "CycloneDX", "specVersion": "1.5",
            "serialNumber": _doc_id("cyclonedx", (purl, vulnerabilities)), "version": 1,
            "metadata": {"timestamp": max(stamps) if stamps else now,
                         "tools": {"components": [{"type": "application",
                                                   "name": "provenance-linker"}]},
                         "component": {"type": "container", "bom-ref": purl,
                                       "name": repository, "purl": purl,
                                       "hashes": [{"alg": "SHA-256",
                                                   "content": digest[7:]}]}},
            "vulnerabilities": vulnerabilities}


def export_vex(store: GraphStore, ref: ArtifactRef | str, fmt: str, now: str
               ) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise UsageError(f"unknown VEX format {fmt!r}", hint="openvex or cyclonedx")
    resolved = resolve(store, ref)
    digest = resolved.digest
    assert digest is not None
    name = resolved.name or next(iter(names_of(store, [digest]).get(digest, [])), None)
    purl = artifact_purl(digest, name)
    rows = statements_for(store, digest)
    if fmt == "openvex":
        return _openvex(purl, rows, now)
    return _cyclonedx(purl, digest, name, rows, now)
