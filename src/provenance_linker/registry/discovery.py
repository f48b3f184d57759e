"""Every piece of evidence the registry holds for one digest: cosign's tags
(`sha256-<hex>.sig`, `.att`, `.sbom`), the OCI 1.1 referrers API and, where a registry
lacks it, the referrers tag schema (`sha256-<hex>` holding an index of referrers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import RegistryError
from .client import Manifest, RegistryClient
from .evidence import (
    BLOB_LIMITS,
    Evidence,
    EvidenceKind,
    Source,
    cosign_signature_line,
    kind_of_layer,
)
from .reference import ImageRef, tag_for

COSIGN_TAGS = ((Source.SIGNATURE_TAG, ".sig"), (Source.ATTESTATION_TAG, ".att"),
               (Source.SBOM_TAG, ".sbom"))
MAX_REFERRERS = 256  # per digest; more is refused, not silently cut


@dataclass(slots=True)
class Discovered:
    evidence: list[Evidence] = field(default_factory=list)
    refused: list[RegistryError] = field(default_factory=list)  # pieces that failed
    referrers_api: bool | None = None  # whether the registry served the referrers API


def discover(client: RegistryClient, image: ImageRef, digest: str, *,
             sbom_limit: int) -> Discovered:
    found = Discovered()
    try:
        listed = client.tags(image)
    except RegistryError:
        listed = None  # probe each tag instead
    for source, suffix in COSIGN_TAGS:
        tag = image.at(tag_for(digest, suffix))
        if listed is not None and tag.tag not in listed:
            continue
        try:
            target = client.resolve(tag)
            if target is None:
                continue
            manifest = client.manifest(tag, target)
            found.evidence += _layers(client, image, manifest, digest, source, sbom_limit,
                                      f"{tag}")
        except RegistryError as exc:
            found.refused.append(exc)
    try:
        descriptors = client.referrers(image, digest)
        found.referrers_api = descriptors is not None
        if descriptors is None:  # the referrers tag schema
            fallback = image.at(tag_for(digest, ""))
            absent = listed is not None and fallback.tag not in listed
            target = None if absent else client.resolve(fallback)
            descriptors = [] if target is None else client.manifest(
                fallback, target).descriptors("manifests")
    except RegistryError as exc:
        found.refused.append(exc)
        return found
    if len(descriptors) > MAX_REFERRERS:
        found.refused.append(RegistryError(
            f"{len(descriptors)} referrers, over the limit of {MAX_REFERRERS}",
            where=f"{image.name}@{digest}", result="too_large"))
        return found
    for descriptor in descriptors:
        try:
            manifest = client.manifest(image, str(descriptor["digest"]))
            subject = manifest.body.get("subject")
            if not isinstance(subject, dict) or subject.get("digest") != digest:
                raise RegistryError(f"referrer {manifest.digest} does not name {digest} "
                                    "as its subject", where=f"{image.name}@{digest}",
                                    result="refused")
            found.evidence += _layers(client, image, manifest, digest, Source.REFERRER,
                                      sbom_limit, f"{image.name}@{manifest.digest}")
        except RegistryError as exc:
            found.refused.append(exc)
    return found


def _layers(client: RegistryClient, image: ImageRef, manifest: Manifest, subject: str,
            source: Source, sbom_limit: int, where: str) -> list[Evidence]:
    artifact_type = _artifact_type(manifest.body)
    out: list[Evidence] = []
    for number, layer in enumerate(manifest.descriptors("layers"), 1):
        kind = kind_of_layer(str(layer.get("mediaType") or ""), artifact_type)
        if kind is None:
            continue
        name = f"{where} layer {number}"
        limit = BLOB_LIMITS.get(kind, sbom_limit)
        blob = client.blob(image, layer, limit)
        data = cosign_signature_line(layer, blob, name) if kind == EvidenceKind.SIGNATURE \
            else blob
        out.append(Evidence(subject, source, kind, name, data))
    return out


def _artifact_type(body: dict[str, Any]) -> str | None:
    value = body.get("artifactType")
    if isinstance(value, str):
        return value
    config = body.get("config")
    media = config.get("mediaType") if isinstance(config, dict) else None
    return media if isinstance(media, str) else None


def platforms(index: Manifest) -> Iterator[tuple[str, str, str | None]]:
    """(digest, media type, "os/arch[/variant]") of each manifest an index lists."""
    for entry in index.descriptors("manifests"):
        platform = entry.get("platform")
        label = None
        if isinstance(platform, dict):
            label = "/".join(str(platform[k]) for k in ("os", "architecture", "variant")
                             if platform.get(k))
        yield str(entry["digest"]), str(entry.get("mediaType") or ""), label
