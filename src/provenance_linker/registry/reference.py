"""Image references as the OCI distribution spec and docker name them:
`HOST[:PORT]/REPOSITORY[:TAG][@sha256:HEX]`, with docker's defaults for a bare name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UsageError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
                         r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class ImageRef:
    registry: str  # host[:port] as written (docker.io for Docker Hub)
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        """`host/repository` — the artifact name the graph records."""
        return f"{self.registry}/{self.repository}"

    @property
    def reference(self) -> str:
        """What `/v2/<name>/manifests/<reference>` takes: the digest, else the tag."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> ImageRef:
        return ImageRef(self.registry, self.repository, self.tag, digest)

    def at(self, reference: str) -> ImageRef:
        """The same repository at another tag (`sha256-<hex>.sig`) or digest."""
        if _DIGEST.match(reference):
            return ImageRef(self.registry, self.repository, None, reference)
        return ImageRef(self.registry, self.repository, reference, None)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def _is_host(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost" or part.startswith("[")


def parse_image_ref(text: str) -> ImageRef:
    value = text.strip()
    hint = "use HOST[:PORT]/REPOSITORY[:TAG] or HOST/REPOSITORY@sha256:HEX"
    if not value or any(c.isspace() for c in value):
        raise UsageError(f"bad image reference {text!r}", hint=hint)
    digest: str | None = None
    if "@" in value:
        value, _, digest = value.partition("@")
        if not _DIGEST.match(digest):
            raise UsageError(f"bad digest in image reference {text!r}",
                             hint="the digest must be sha256:<64 lower-case hex digits>")
    first, _, rest = value.partition("/")
    if rest and _is_host(first):
        registry, remainder = first, rest
    else:
        registry, remainder = DOCKER_HUB, value
    tag: str | None = None
    slash, colon = remainder.rfind("/"), remainder.rfind(":")
    if colon > slash:
        remainder, tag = remainder[:colon], remainder[colon + 1:]
        if not _TAG.match(tag):
            raise UsageError(f"bad tag {tag!r} in image reference {text!r}", hint=hint)
    if registry == DOCKER_HUB and "/" not in remainder:
        remainder = f"library/{remainder}"
    if not _REPOSITORY.match(remainder):
        raise UsageError(f"bad repository {remainder!r} in image reference {text!r}",
                         hint=hint)
    if tag is None and digest is None:
        tag = "latest"
    return ImageRef(registry, remainder, tag, digest)


def tag_for(digest: str, suffix: str) -> str:
    """cosign's tag scheme: `sha256:HEX` + `.sig` → `sha256-HEX.sig`; the referrers tag
    schema is the same without a suffix."""
    return digest.replace(":", "-", 1) + suffix
