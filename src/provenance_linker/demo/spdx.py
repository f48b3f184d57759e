"""The demo generator's SBOMs as SPDX 2.3 JSON: the same content as `demo.cyclonedx_sbom`
(same packages, purls, hashes, licenses, dependency graph and subject digest)."""

from __future__ import annotations

import re
from typing import Any

from .samples import GeneratedSbom

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]+")


def _spdx_id(index: int, name: str) -> str:
    return f"SPDXRef-Package-{index}-{_ID_UNSAFE.sub('-', name)[:60]}"


def _package(spdx_id: str, component: dict[str, Any]) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": component["name"],
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
    }
    if component.get("version"):
        package["versionInfo"] = component["version"]
    checksums = [{"algorithm": h["alg"].replace("-", ""), "checksumValue": h["content"]}
                 for h in component.get("hashes", []) if h["alg"] == "SHA-256"]
    if checksums:
        package["checksums"] = checksums
    licenses = [lic["license"]["id"] for lic in component.get("licenses", [])
                if "license" in lic and "id" in lic["license"]]
    if licenses:
        package["licenseConcluded"] = " AND ".join(licenses)
    if component.get("purl"):
        package["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER",
                                    "referenceType": "purl",
                                    "referenceLocator": component["purl"]}]
    if component.get("type"):
        package["primaryPackagePurpose"] = component["type"].upper().replace("-", "_")
    return package


def spdx_sbom(generated: GeneratedSbom) -> dict[str, Any]:
    """SPDX 2.3 JSON for a generated CycloneDX BOM."""
    bom = generated.document
    root = bom["metadata"]["component"]
    root_id = "SPDXRef-Root"
    ids = {root["bom-ref"]: root_id}
    root_package = _package(root_id, root)
    packages = [root_package]
    for index, component in enumerate(bom["components"]):
        spdx_id = _spdx_id(index, component["name"])
        ids[component["bom-ref"]] = spdx_id
        packages.append(_package(spdx_id, component))
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": root_id}]
    for entry in bom.get("dependencies", []):
        for target in entry.get("dependsOn", []):
            relationships.append({"spdxElementId": ids[entry["ref"]],
                                  "relationshipType": "DEPENDS_ON",
                                  "relatedSpdxElement": ids[target]})
    serial = bom["serialNumber"].removeprefix("urn:uuid:")
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": generated.name,
        "documentNamespace": f"https://sbom.acme.test/spdx/{serial}",
        "creationInfo": {"created": bom["metadata"]["timestamp"],
                         "creators": ["Tool: provenance-linker-demo-1"]},
        "packages": packages,
        "relationships": relationships,
    }
