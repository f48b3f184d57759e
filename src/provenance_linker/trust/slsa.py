"""SLSA provenance (v0.2 and v1) → Build and Source nodes:
`Artifact -BUILT_BY-> Build -FROM-> Source`, `Build -USED-> Artifact|Source`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..formats.shape import optional_object, optional_text
from ..model import sha256_digest

PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2"
PROVENANCE_V1 = "https://slsa.dev/provenance/v1"


@dataclass(frozen=True, slots=True)
class SourceRef:
    repository: str  # normalized: no git+ prefix, no @ref
    commit: str | None
    ref: str | None

    @property
    def key(self) -> str:
        return f"{self.repository}@{self.commit or self.ref or 'unknown'}"


@dataclass(frozen=True, slots=True)
class Provenance:
    key: str
    builder_id: str | None
    build_type: str | None
    invocation_id: str | None
    entry_point: str | None
    source: SourceRef | None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    used_artifacts: tuple[str, ...] = ()  # sha256 digests of materials
    used_sources: tuple[SourceRef, ...] = ()

    def props(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "builder_id": self.builder_id, "build_type": self.build_type,
            "invocation_id": self.invocation_id, "entry_point": self.entry_point,
            "parameters": dict(self.parameters) or None}
        if self.source is not None:
            props.update(source_repository=self.source.repository,
                         source_commit=self.source.commit, source_ref=self.source.ref)
        return {k: v for k, v in props.items() if v is not None}


def is_provenance(predicate_type: str | None) -> bool:
    return predicate_type is not None and predicate_type.startswith("https://slsa.dev/provenance/")


def split_source(uri: str, digest: Mapping[str, Any] | None) -> SourceRef:
    """'git+https://github.com/o/r@refs/tags/v1' + {'sha1': …} → repository, commit, ref."""
    value = uri.removeprefix("git+")
    ref: str | None = None
    at = value.rfind("@")
    if at > value.find("://") + 2:
        tail = value[at + 1:]
        if tail.startswith("refs/") or "/" not in tail:  # not user info in the authority
            value, ref = value[:at], tail
    value = value.removesuffix(".git")
    digest = digest or {}
    commit = digest.get("sha1") or digest.get("gitCommit")
    return SourceRef(value, str(commit) if commit else None, ref)


def parse_provenance(predicate_type: str, predicate: Mapping[str, Any]) -> Provenance:
    if predicate_type.startswith(PROVENANCE_V02) or "builder" in predicate:
        return _v02(predicate)
    return _v1(predicate)


def build_key(predicate_type: str, predicate: Mapping[str, Any],
              subjects: Sequence[str]) -> str:
    """The Build node's key: the digest of the statement's content (predicate type,
    predicate, subject digests). Not the invocation id: the jobs of one CI run share it,
    and keying by it merged two builds, so one artifact reported the other job's builder
    and passed a policy meant for that one. The same statement in another envelope is
    the same build and keeps one node."""
    content = {"predicateType": predicate_type, "predicate": predicate,
               "subjects": sorted(set(subjects))}
    return "sha256:" + hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
                                      ).hexdigest()


def _key(invocation: str | None, predicate: Mapping[str, Any]) -> str:
    if invocation:
        return invocation
    return "sha256:" + hashlib.sha256(orjson.dumps(predicate, option=orjson.OPT_SORT_KEYS)
                                      ).hexdigest()


def _materials(entries: Any) -> tuple[list[str], list[SourceRef]]:
    artifacts: list[str] = []
    sources: list[SourceRef] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        digest: dict[str, Any] = entry["digest"] if isinstance(entry.get("digest"), dict) else {}
        uri = entry.get("uri")
        if isinstance(uri, str) and (uri.startswith("git+") or "sha1" in digest
                                     or "gitCommit" in digest):
            sources.append(split_source(str(uri), digest))
        elif isinstance(digest.get("sha256"), str):
            try:
                artifacts.append(sha256_digest(digest["sha256"]))
            except ValueError:
                continue
    return artifacts, sources


def _v02(predicate: Mapping[str, Any]) -> Provenance:
    builder = optional_object(predicate.get("builder"), "$.predicate.builder")
    invocation = optional_object(predicate.get("invocation"), "$.predicate.invocation")
    config = optional_object(invocation.get("configSource"),
                             "$.predicate.invocation.configSource")
    metadata = optional_object(predicate.get("metadata"), "$.predicate.metadata")
    artifacts, sources = _materials(predicate.get("materials"))
    source = (split_source(str(config["uri"]), config.get("digest"))
              if config.get("uri") else (sources[0] if sources else None))
    invocation_id = (optional_text(metadata.get("buildInvocationId"),
                                   "$.predicate.metadata.buildInvocationId")
                     or optional_text(metadata.get("buildInvocationID"),
                                      "$.predicate.metadata.buildInvocationID"))
    parameters = invocation.get("parameters")
    return Provenance(
        key=_key(invocation_id, predicate),
        builder_id=optional_text(builder.get("id"), "$.predicate.builder.id"),
        build_type=optional_text(predicate.get("buildType"), "$.predicate.buildType"),
        invocation_id=invocation_id,
        entry_point=optional_text(config.get("entryPoint"),
                                  "$.predicate.invocation.configSource.entryPoint"),
        source=source,
        parameters=parameters if isinstance(parameters, dict) else {},
        used_artifacts=tuple(artifacts),
        used_sources=tuple(s for s in sources if source is None or s.key != source.key))


def _v1(predicate: Mapping[str, Any]) -> Provenance:
    definition = optional_object(predicate.get("buildDefinition"), "$.predicate.buildDefinition")
    run = optional_object(predicate.get("runDetails"), "$.predicate.runDetails")
    external = optional_object(definition.get("externalParameters"),
                               "$.predicate.buildDefinition.externalParameters")
    workflow: dict[str, Any] = (external["workflow"] if isinstance(external.get("workflow"), dict)
                                else {})
    artifacts, sources = _materials(definition.get("resolvedDependencies"))
    source = sources[0] if sources else None
    if source is not None and source.ref is None and workflow.get("ref"):
        source = SourceRef(source.repository, source.commit, str(workflow["ref"]))
    metadata = optional_object(run.get("metadata"), "$.predicate.runDetails.metadata")
    invocation_id = optional_text(metadata.get("invocationId"),
                                  "$.predicate.runDetails.metadata.invocationId")
    builder = optional_object(run.get("builder"), "$.predicate.runDetails.builder")
    return Provenance(
        key=_key(invocation_id, predicate),
        builder_id=optional_text(builder.get("id"), "$.predicate.runDetails.builder.id"),
        build_type=optional_text(definition.get("buildType"),
                                 "$.predicate.buildDefinition.buildType"),
        invocation_id=invocation_id,
        entry_point=optional_text(workflow.get("path"),
                                  "$.predicate.buildDefinition.externalParameters.workflow.path"),
        source=source,
        parameters=external if isinstance(external, dict) else {},
        used_artifacts=tuple(artifacts), used_sources=tuple(sources[1:]))
