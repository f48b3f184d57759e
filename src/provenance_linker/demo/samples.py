"""Sample data: realistic, deterministic SBOMs with names of our own.

The same generator feeds `provenance-linker demo` (small) and the benchmarks (large).
A few well-known package names appear at versions with known advisories so that the
vulnerability questions have real answers.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import Any

# A handful of real packages at known-vulnerable or known-good versions.
WELL_KNOWN: list[tuple[str, str | None, str, str]] = [
    ("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1"),
    ("maven", "org.apache.logging.log4j", "log4j-api", "2.14.1"),
    ("npm", None, "lodash", "4.17.20"),
    ("pypi", None, "pyyaml", "5.3.1"),
    ("pypi", None, "requests", "2.19.0"),
    ("pypi", None, "urllib3", "1.24.1"),
    ("golang", "golang.org/x", "text", "v0.3.2"),
    ("npm", None, "express", "4.18.2"),
]

_SYLLABLES = ["acme", "nimbus", "quartz", "ember", "vector", "lumen", "orbit", "cobalt",
              "harbor", "tundra", "pixel", "signal", "ledger", "falcon", "zephyr", "basalt"]
_SUFFIXES = ["util", "core", "client", "parser", "cache", "auth", "schema", "codec", "io",
             "stream", "metrics", "config", "router", "crypto", "store", "queue"]
_ECOSYSTEMS = ["npm", "pypi", "maven", "golang", "cargo", "gem", "nuget"]


def digest_of(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class GeneratedSbom:
    name: str  # artifact name:tag
    digest: str  # the artifact's digest
    document: dict[str, Any]  # CycloneDX JSON


def _purl(kind: str, namespace: str | None, name: str, version: str) -> str:
    if kind == "npm" and namespace:
        return f"pkg:npm/{namespace.replace('@', '%40')}/{name}@{version}"
    if namespace:
        return f"pkg:{kind}/{namespace}/{name}@{version}"
    return f"pkg:{kind}/{name}@{version}"


def _synthetic(rng: random.Random, index: int) -> tuple[str, str | None, str, str]:
    kind = _ECOSYSTEMS[index % len(_ECOSYSTEMS)]
    stem = f"{rng.choice(_SYLLABLES)}-{rng.choice(_SUFFIXES)}-{index}"
    version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
    namespace: str | None = None
    if kind == "maven":
        namespace = f"com.{rng.choice(_SYLLABLES)}"
    elif kind == "golang":
        namespace = f"github.com/{rng.choice(_SYLLABLES)}"
        version = "v" + version
    elif kind == "npm" and index % 5 == 0:
        namespace = f"@{rng.choice(_SYLLABLES)}"
    return kind, namespace, stem, version


def cyclonedx_sbom(name: str, components: int, *, seed: int = 0,
                   base_image: GeneratedSbom | None = None,
                   well_known: bool = True) -> GeneratedSbom:
    """A CycloneDX 1.5 BOM for image `name` with `components` components and a
    dependency graph (each component depends on up to three earlier ones)."""
    rng = random.Random(f"{name}/{components}/{seed}")
    digest = digest_of("image", name, str(seed))
    entries: list[tuple[str, str | None, str, str]] = []
    if well_known:
        entries.extend(WELL_KNOWN[: max(0, min(len(WELL_KNOWN), components // 4))])
    index = 0
    while len(entries) < components:
        entries.append(_synthetic(rng, index))
        index += 1
    comps: list[dict[str, Any]] = []
    for kind, namespace, pkg, version in entries:
        purl = _purl(kind, namespace, pkg, version)
        comp: dict[str, Any] = {
            "type": "library",
            "bom-ref": purl,
            "name": pkg,
            "version": version,
            "purl": purl,
            "hashes": [{"alg": "SHA-256", "content": digest_of(purl)[7:]}],
            "licenses": [{"license": {"id": rng.choice(["MIT", "Apache-2.0", "BSD-3-Clause"])}}],
        }
        if namespace:
            comp["group"] = namespace
        comps.append(comp)
    if base_image is not None:
        base_purl = f"pkg:oci/{base_image.name.split(':')[0].rsplit('/', 1)[-1]}@" \
                    f"{base_image.digest.replace(':', '%3A')}"
        comps.append({"type": "container", "bom-ref": base_purl, "name": base_image.name,
                      "purl": base_purl,
                      "hashes": [{"alg": "SHA-256", "content": base_image.digest[7:]}]})
    root_ref = f"{name}@{digest}"
    dependencies: list[dict[str, Any]] = []
    refs = [c["bom-ref"] for c in comps]
    direct = refs[: max(1, min(len(refs), 12))]
    if base_image is not None:
        direct.append(refs[-1])
    dependencies.append({"ref": root_ref, "dependsOn": direct})
    for i, ref in enumerate(refs):
        deps = sorted({refs[j] for j in (i + 1 + rng.randrange(max(1, len(refs) - i - 1))
                                          for _ in range(rng.randint(0, 3)))
                       if j < len(refs) and refs[j] != ref})
        dependencies.append({"ref": ref, "dependsOn": deps})
    repo, _, tag = name.rpartition(":")
    document: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-01T12:00:00Z",
            "tools": {"components": [{"type": "application", "name": "provenance-linker-demo",
                                      "version": "1"}]},
            "component": {"type": "container", "bom-ref": root_ref, "name": repo or name,
                          "version": tag or None,
                          "hashes": [{"alg": "SHA-256", "content": digest[7:]}]},
        },
        "components": comps,
        "dependencies": dependencies,
    }
    if not tag:
        del document["metadata"]["component"]["version"]
    return GeneratedSbom(name=name, digest=digest, document=document)


def demo_images() -> list[GeneratedSbom]:
    """A base image and two application images built on it."""
    base = cyclonedx_sbom("registry.acme.test/base/os-runtime:3.19", 40, seed=1,
                          well_known=False)
    api = cyclonedx_sbom("registry.acme.test/payments/api:1.4.2", 120, seed=2, base_image=base)
    web = cyclonedx_sbom("registry.acme.test/storefront/web:2.0.0", 80, seed=3,
                         base_image=base)
    return [base, api, web]


# --- advisories and a cluster snapshot for the demo images (our own records) -----------

def _osv(vuln_id: str, summary: str, affected: list[dict[str, Any]], **extra: Any
         ) -> dict[str, Any]:
    return {"schema_version": "1.6.0", "id": vuln_id, "modified": "2026-11-01T00:00:00Z",
            "published": "2026-10-15T00:00:00Z", "summary": summary,
            "details": summary + " (sample record for the provenance-linker demo).",
            "affected": affected, **extra}


def demo_advisories(images: list[GeneratedSbom]) -> list[dict[str, Any]]:
    """Sample OSV records affecting the well-known demo packages, and a
    malicious-package record naming one of the base image's packages."""
    base_npm = next(c for c in images[0].document["components"]
                    if c["purl"].startswith("pkg:npm/"))
    npm_name = f"{base_npm['group']}/{base_npm['name']}" if base_npm.get("group") \
        else base_npm["name"]
    return [
        _osv("DEMO-2026-0001", "Message lookups in the logging core can load remote code",
             [{"package": {"ecosystem": "Maven",
                           "name": "org.apache.logging.log4j:log4j-core"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"},
                                                           {"fixed": "2.15.0"}]}]}],
             aliases=["CVE-2021-44228"],
             severity=[{"type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}]),
        _osv("DEMO-2026-0002", "Unsafe full loader constructs arbitrary objects",
             [{"package": {"ecosystem": "PyPI", "name": "PyYAML"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                           {"fixed": "5.4"}]}]}],
             database_specific={"severity": "MODERATE"}),
        _osv("DEMO-2026-0003", "Template helper allows command injection",
             [{"package": {"ecosystem": "npm", "name": "lodash"},
               "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                        {"fixed": "4.17.21"}]}]}],
             severity=[{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/"
                                                    "VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]),
        _osv("MAL-DEMO-2026-0001", f"Malicious code in {npm_name} (npm)",
             [{"package": {"ecosystem": "npm", "name": npm_name},
               "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
               "versions": [base_npm["version"]]}],
             database_specific={"malicious-packages-origins": [
                 {"source": "provenance-linker-demo", "id": "demo-1"}]}),
    ]


def demo_cluster(images: list[GeneratedSbom]) -> dict[str, Any]:
    """`kubectl get deploy,pods -A -o json` as a production cluster running the app images:
    one pinned by digest, one by tag with the digest only in the Pod's status."""
    _, api, web = images
    api_repo = api.name.rsplit(":", 1)[0]

    def deployment(name: str, namespace: str, image: str) -> dict[str, Any]:
        labels = {"app": name, "environment": "production"}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": {"replicas": 3, "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": name, "image": image}]}}}}

    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "storefront-web-7c9f8d6b5-x2k4q", "namespace": "storefront",
                        "labels": {"app": "storefront-web", "environment": "production",
                                   "pod-template-hash": "7c9f8d6b5"},
                        "ownerReferences": [{"kind": "ReplicaSet",
                                             "name": "storefront-web-7c9f8d6b5"}]},
           "spec": {"containers": [{"name": "storefront-web", "image": web.name}]},
           "status": {"containerStatuses": [{"name": "storefront-web",
                                             "imageID": f"{web.name.rsplit(':', 1)[0]}@"
                                                        f"{web.digest}"}]}}
    return {"apiVersion": "v1", "kind": "List", "items": [
        deployment("payments-api", "payments", f"{api_repo}@{api.digest}"),
        deployment("storefront-web", "storefront", web.name),
        pod,
    ]}


def demo_provenance(image: GeneratedSbom) -> dict[str, Any]:
    """SLSA provenance (in-toto Statement v1) for a demo image, from our own CI names."""
    from .signing import slsa_provenance

    repository = "https://git.acme.test/" + image.name.split("/", 1)[1].split(":")[0]
    return slsa_provenance([(image.name, image.digest)],
                           builder_id="https://ci.acme.test/builders/release@v2",
                           repository=repository, commit=digest_of("commit", image.name)[7:47],
                           ref="refs/heads/main", invocation_id=f"demo-{image.digest[7:19]}")
