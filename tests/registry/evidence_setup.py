"""Three images with evidence made by the real tools, in a real registry: a base image,
an application built on it (a two-platform index) and a web image; each signed
(`cosign sign`), attested (`cosign attest --type slsaprovenance|cyclonedx|spdxjson`) and
with an attached SBOM (`cosign attach sbom`). The same evidence is also downloaded to
files (`cosign download …`) for the file paths."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance_linker.demo.samples import (
    GeneratedSbom,
    cyclonedx_sbom,
    demo_advisories,
    demo_cluster,
)
from provenance_linker.demo.spdx import spdx_sbom

from ..support.oci_tools import OciTools


@dataclass
class PushedImage:
    tag_ref: str  # host/repo:tag
    repository: str  # host/repo
    digest: str
    sbom: dict[str, Any]
    sbom_kind: str  # cosign attach sbom --type
    files: dict[str, Path] = field(default_factory=dict)  # signature, attestations, sbom

    @property
    def pinned(self) -> str:
        return f"{self.repository}@{self.digest}"


def provenance_v02(image: PushedImage) -> dict[str, Any]:
    """A SLSA v0.2 provenance predicate (what `--type slsaprovenance` carries)."""
    name = image.repository.split("/", 1)[1]
    return {"builder": {"id": "https://ci.acme.test/builders/release@v2"},
            "buildType": "https://ci.acme.test/build-types/container@v1",
            "invocation": {"configSource": {
                "uri": f"git+https://git.acme.test/{name}", "entryPoint": "build.yaml",
                "digest": {"sha1": hashlib.sha1(name.encode()).hexdigest()}}},
            "metadata": {"buildInvocationId": f"build-{image.digest[7:19]}"},
            "materials": [{"uri": f"git+https://git.acme.test/{name}",
                           "digest": {"sha1": hashlib.sha1(name.encode()).hexdigest()}}]}


def push_with_evidence(tools: OciTools, host: str, namespace: str) -> list[PushedImage]:
    key, _ = tools.keypair()
    base_digest = tools.push_image(f"{host}/{namespace}/base:3.19", "base os runtime")
    amd = tools.push_image(f"{host}/{namespace}/api-build:amd64", "api amd64", "linux/amd64")
    arm = tools.push_image(f"{host}/{namespace}/api-build:arm64", "api arm64", "linux/arm64")
    api_digest = tools.push_index(f"{host}/{namespace}/api:1.4.2",
                                  [f"{host}/{namespace}/api-build@{amd}",
                                   f"{host}/{namespace}/api-build@{arm}"])
    web_digest = tools.push_image(f"{host}/{namespace}/web:2.0.0", "web storefront")
    base_sbom = cyclonedx_sbom(f"{host}/{namespace}/base:3.19", 40, seed=1, well_known=False)
    base_real = GeneratedSbom(base_sbom.name, base_digest, base_sbom.document)
    api_sbom = cyclonedx_sbom(f"{host}/{namespace}/api:1.4.2", 120, seed=2,
                              base_image=base_real)
    web_sbom = cyclonedx_sbom(f"{host}/{namespace}/web:2.0.0", 80, seed=3,
                              base_image=base_real)
    images = [
        PushedImage(f"{host}/{namespace}/base:3.19", f"{host}/{namespace}/base", base_digest,
                    base_sbom.document, "cyclonedx"),
        PushedImage(f"{host}/{namespace}/api:1.4.2", f"{host}/{namespace}/api", api_digest,
                    api_sbom.document, "cyclonedx"),
        PushedImage(f"{host}/{namespace}/web:2.0.0", f"{host}/{namespace}/web", web_digest,
                    spdx_sbom(GeneratedSbom(web_sbom.name, web_digest, web_sbom.document)),
                    "spdx"),
    ]
    for image in images:
        tools.sign(image.pinned, key)
        tools.attest(image.pinned, key, "slsaprovenance", provenance_v02(image))
        predicate_kind = "spdxjson" if image.sbom_kind == "spdx" else "cyclonedx"
        tools.attest(image.pinned, key, predicate_kind, image.sbom)
        image.files["sbom"] = tools.attach_sbom(image.pinned, image.sbom, image.sbom_kind)
    return images


def download_evidence(tools: OciTools, images: list[PushedImage], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for number, image in enumerate(images):  # the SBOM file is the one attached
        for what in ("signature", "attestation"):
            path = directory / f"{number}-{what}.json"
            path.write_text(tools.download(what, image.pinned))
            image.files[what] = path


def cluster_and_advisories(images: list[PushedImage], directory: Path) -> tuple[Path, Path]:
    """A production cluster running the api and web images, and the demo advisories."""
    generated = [GeneratedSbom(i.tag_ref, i.digest, i.sbom) for i in images]
    cluster = directory / "cluster.json"
    cluster.write_text(json.dumps(demo_cluster(generated)))
    advisories = directory / "advisories"
    advisories.mkdir(exist_ok=True)
    for record in demo_advisories([GeneratedSbom(images[0].tag_ref, images[0].digest,
                                                 images[0].sbom), *generated[1:]]):
        (advisories / f"{record['id']}.json").write_text(json.dumps(record))
    return cluster, advisories
