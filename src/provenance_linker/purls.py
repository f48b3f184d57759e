"""Package URLs: canonical form (packageurl-python), package identity, ecosystem names.

Package identity (docs/sbom-formats.md, "Package identity") is the one rule that decides
when two generators name the same package: type, namespace, name and version after the
ecosystem's own normalisation, plus the qualifiers that select a different artifact
(Maven `classifier`/`type`). Every other qualifier (`arch`, `distro`, `upstream`,
`repository_url`, …) is kept as a property of the package, not part of its key; a
Debian/rpm `epoch=` qualifier moves into the version (`1:3.8-4`), as dpkg and rpm write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    # The Package key (identity rule above) and the version it carries; see identity().
    key: str = field(default="", compare=False)
    key_version: str | None = field(default=None, compare=False)

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
    if type_ == "golang":  # compared case-insensitively (see identity())
        return f"{namespace}/{name}".lower() if namespace else name.lower()
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
    if version and ((version.startswith("0:") and type_ in _EPOCH_TYPES)
                    or (type_ == "golang" and not version.startswith("v"))):
        return None  # identity() changes these versions: the full path does it
    # Nothing here for identity() to change: the key is the canonical form.
    return ParsedPurl(canonical=value, type=type_, namespace=namespace.rstrip("/") or None,
                      name=name, version=version or None, qualifiers={}, subpath=None,
                      key=value, key_version=version or None)


# Identity rule, one definition. Types whose versions carry a dpkg/rpm epoch:
_EPOCH_TYPES = frozenset({"deb", "rpm"})
# Qualifiers that name a different artifact of the same package version (type: default).
_IDENTITY_QUALIFIERS: dict[str, dict[str, str | None]] = {
    "maven": {"classifier": None, "type": "jar"},
    "conan": {"user": None, "channel": None},
}


def identity_version(type_: str, version: str | None, qualifiers: dict[str, str]) -> str | None:
    """The version as the ecosystem compares it: a dpkg/rpm `epoch=` qualifier becomes the
    `epoch:` prefix (epoch 0 is the same as none, and is dropped); a Go version gets its `v`."""
    if version and type_ == "golang":
        # Go versions are "v1.2.3"; the toolchain (stdlib) is written 1.26.8 (syft),
        # v1.26.8 (trivy) or go1.26.8 (go version)
        bare = version.removeprefix("go")
        return f"v{bare}" if bare[:1].isdigit() else version
    if not version or type_ not in _EPOCH_TYPES:
        return version
    epoch, sep, rest = version.partition(":")
    if sep and epoch.isdigit():
        return rest if int(epoch) == 0 else version
    epoch = qualifiers.get("epoch", "").strip()
    if epoch.isdigit() and int(epoch) != 0:
        return f"{int(epoch)}:{version}"
    return version


def identity(type_: str, namespace: str | None, name: str, version: str | None,
             qualifiers: dict[str, str], subpath: str | None) -> str:
    """The Package key: one package across generators (docs/sbom-formats.md)."""
    if type_ == "pypi":
        name = _PEP503.sub("-", name).lower()  # PEP 503: boolean.py ≡ boolean-py ≡ Boolean_Py
    elif type_ == "golang":
        # Go refuses a build list with two module paths that differ only in case, and trivy
        # writes them lower-cased: compare them without case.
        namespace, name = (namespace.lower() if namespace else None), name.lower()
    version = identity_version(type_, version, qualifiers)
    kept = {k: v for k, v in sorted(qualifiers.items())
            if k in _IDENTITY_QUALIFIERS.get(type_, {})
            and v != _IDENTITY_QUALIFIERS[type_][k]}
    # packageurl-python writes it: the key of a purl that needs no change is its canonical form
    return PackageURL(type=type_, namespace=namespace, name=name, version=version,
                      qualifiers=kept or None, subpath=subpath).to_string()


@lru_cache(maxsize=262_144)
def parse_purl(value: str) -> ParsedPurl:
    fast = simple_purl(value)
    if fast is not None:
        return fast
    try:
        purl = PackageURL.from_string(value.strip())
    except ValueError as exc:
        raise PurlError(f"invalid purl {value!r}: {exc}") from exc
    qualifiers = dict(purl.qualifiers) if isinstance(purl.qualifiers, dict) else {}
    namespace, version, subpath = purl.namespace or None, purl.version or None, purl.subpath
    return ParsedPurl(
        canonical=purl.to_string(),
        type=purl.type,
        namespace=namespace,
        name=purl.name,
        version=version,
        qualifiers=qualifiers,
        subpath=subpath or None,
        key=identity(purl.type, namespace, purl.name, version, qualifiers, subpath or None),
        key_version=identity_version(purl.type, version, qualifiers),
    )


def package_key(value: str) -> str:
    """The Package key of a purl as anyone writes it (raises PurlError)."""
    return parse_purl(value).key


def generic_purl(name: str, version: str | None, namespace: str | None = None) -> str:
    """A stable synthetic identity for a component that has no purl."""
    return PackageURL(type="generic", namespace=namespace or None, name=name,
                      version=version or None).to_string()


def oci_digest(purl: ParsedPurl) -> str | None:
    """The sha256 digest an OCI/docker purl pins, if any."""
    if purl.type in ("oci", "docker") and purl.version and purl.version.startswith("sha256:"):
        return purl.version.lower()  # checked by the caller's digest rule (model.py)
    return None
