"""Image references as Kubernetes writes them, turned into digests or an honest "unresolved".

The digest that runs is the one the kubelet reports (`imageID`, a repository digest) or
the one pinned in the spec (`name@sha256:…`). A tag alone is never matched to a digest
here: it is recorded as unresolved with the reason. A bare `sha256:…` imageID is the
runtime's local image id (the config digest), not a registry manifest digest, so it is
not used either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The distribution reference grammar, simplified: host[:port]/path[:tag][@algo:hex].
_NAME = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_ID_PREFIXES = ("docker-pullable://", "docker://", "containerd://", "cri-o://")
MAX_REFERENCE = 4096


@dataclass(frozen=True, slots=True)
class ImageRun:
    """One container's image: its digest, or why there is none."""

    container: str
    image: str  # as written in the spec (name and tag, without any digest)
    digest: str | None
    reason: str | None = None  # set when digest is None

    def as_dict(self) -> dict[str, str | None]:
        return {"container": self.container, "image": self.image, "digest": self.digest,
                "reason": self.reason}


def _printable(text: str) -> str:
    return text.encode("unicode_escape").decode()[:200]


def split_reference(image: str) -> tuple[str, str | None, str | None]:
    """(name[:tag], digest or None, problem or None) of a spec image reference."""
    if not image or len(image) > MAX_REFERENCE:
        return image[:200], None, "empty or over-long image reference"
    name, at, digest = image.partition("@")
    if not _NAME.match(name):
        return _printable(name), None, f"not a valid image reference: {_printable(image)!r}"
    if at:
        if not _DIGEST.match(digest):
            return name, None, f"unsupported or malformed digest {_printable(digest)!r}"
        return name, digest, None
    return name, None, None


def digest_of_image_id(image_id: str | None) -> str | None:
    """The repository digest in a kubelet imageID (`[scheme://]name@sha256:HEX`)."""
    if not image_id:
        return None
    text = image_id
    for prefix in _ID_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    _name, at, digest = text.partition("@")
    if not at or not _DIGEST.match(digest.lower()):
        return None
    return digest.lower()


def resolve_image(container: str, image: str, image_id: str | None) -> ImageRun:
    """The digest a container runs, preferring what the kubelet reported."""
    name, pinned, problem = split_reference(image)
    if problem:
        return ImageRun(container, name, None, problem)
    reported = digest_of_image_id(image_id)
    if reported:
        return ImageRun(container, name, reported)
    if pinned:
        return ImageRun(container, name, pinned)
    if image_id and image_id.lower().removeprefix("sha256:") != image_id.lower():
        return ImageRun(container, name, None,
                        "tag only; the reported imageID is a local image id, not a "
                        "repository digest")
    return ImageRun(container, name, None, "tag only; no digest pinned or reported")
