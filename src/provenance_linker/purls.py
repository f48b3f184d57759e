"""Package URLs: canonical form (packageurl-python) and ecosystem-qualified names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from packageurl import PackageURL

_PEP503 = re.compile(r"[-_.]+")

# purl type -> OSV ecosystem name
ECOSYSTEM_OF_TYPE: dict[str, str] = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "deb": "Debian",
    "apk": "Alpine",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "swift": "SwiftURL",
    "cocoapods": "CocoaPods",
    "conan": "ConanCenter",
    "github": "GitHub Actions",
    "bitnami": "Bitnami",
    "hackage": "Hackage",
    "cran": "CRAN",
    "rpm": "Red Hat",
}


@dataclass(frozen=True, slots=True)
class ParsedPurl:
    canonical: str
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: dict[str, str]
    subpath: str | None

    @property
    def ecosystem(self) -> str:
        return ECOSYSTEM_OF_TYPE.get(self.type, self.type)

    @property
    def package_name(self) -> str:
        return package_name(self.type, self.namespace, self.name)


def package_name(type_: str, namespace: str | None, name: str) -> str:
    """The name advisories use for the package in its ecosystem (OSV conventions)."""
    if type_ == "pypi":
        return _PEP503.sub("-", name).lower()
    if type_ == "maven":
        return f"{namespace}:{name}" if namespace else name
    if type_ == "npm":
        return f"{namespace}/{name}" if namespace else name
    if type_ in ("golang", "composer", "swift", "github"):
        return f"{namespace}/{name}" if namespace else name
    if type_ == "deb" or type_ == "apk" or type_ == "rpm":
        return name  # the namespace is the distribution
    return f"{namespace}/{name}" if namespace else name


class PurlError(ValueError):
    pass


# Purls already in canonical form with nothing packageurl-python would change: lowercase
# type/namespace/name of types without special rules, only never-escaped characters, no
# qualifiers or subpath. Most scanner output looks like this; parsing it by hand skips
# packageurl's five normalisation passes per purl (the largest cost of SBOM ingest).
# tests/unit/test_purls_fast.py checks the fast path against packageurl-python.
_SIMPLE_PURL = re.compile(
    r"pkg:(npm|maven|golang|cargo|gem|nuget|deb|apk|rpm|composer|generic|conan|hex|swift"
    r"|cocoapods|cran|github|bitbucket)/((?:[a-z0-9][a-z0-9._~-]*/)*)([a-z0-9][a-z0-9._~-]*)"
    r"(?:@([A-Za-z0-9][A-Za-z0-9._~:-]*))?")


def simple_purl(value: str) -> ParsedPurl | None:
    match = _SIMPLE_PURL.fullmatch(value)
    if match is None:
        return None
    type_, namespace, name, version = match.groups()
    return ParsedPurl(canonical=value, type=type_, namespace=namespace.rstrip("/") or None,
                      name=name, version=version or None, qualifiers={}, subpath=None)


@lru_cache(maxsize=262_144)
def parse_purl(value: str) -> ParsedPurl:
    fast = simple_purl(value)
    if fast is not None:
        return fast
    try:
        purl = PackageURL.from_string(value.strip())
    except ValueError as exc:
        raise PurlError(f"invalid purl {value!r}: {exc}") from exc
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    return ParsedPurl(
        canonical=purl.to_string(),
        type=purl.type,
        namespace=purl.namespace or None,
        name=purl.name,
        version=purl.version or None,
        qualifiers=dict(qualifiers),
        subpath=purl.subpath or None,
    )


def generic_purl(name: str, version: str | None, namespace: str | None = None) -> str:
    """A stable synthetic identity for a component that has no purl."""
    return PackageURL(type="generic", namespace=namespace or None, name=name,
                      version=version or None).to_string()


def oci_digest(purl: ParsedPurl) -> str | None:
    """The sha256 digest an OCI/docker purl pins, if any."""
    if purl.type in ("oci", "docker") and purl.version and purl.version.startswith("sha256:"):
        return purl.version.lower()  # checked by the caller's digest rule (model.py)
    return None
