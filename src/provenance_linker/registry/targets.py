"""Which registry images a command means: a reference as given, the image behind an
artifact the graph knows (`verify --artifact … --refresh`), or what runs now."""

from __future__ import annotations

from ..errors import NotFound, UsageError
from ..graph.refs import names_of, parse_ref, split_name
from ..store.interface import GraphStore
from .reference import ImageRef, parse_image_ref


def image_for_artifact(store: GraphStore, text: str) -> ImageRef:
    """`NAME[:TAG]`, `NAME@sha256:HEX`, or a bare digest whose registry name the graph
    recorded (from a deployment, an SBOM's --artifact or an earlier fetch)."""
    ref = parse_ref(text)
    if ref.name:
        return parse_image_ref(f"{ref.name}@{ref.digest}" if ref.digest else ref.name)
    assert ref.digest is not None
    images: list[ImageRef] = []
    for name in sorted(names_of(store, [ref.digest]).get(ref.digest, [])):
        repository, _ = split_name(name.partition("@")[0])
        try:
            images.append(parse_image_ref(f"{repository}@{ref.digest}"))
        except UsageError:
            continue
    if images:  # a name with an explicit registry host first
        images.sort(key=lambda i: i.registry == "docker.io")
        return images[0]
    raise NotFound(f"no registry name is known for {ref.digest}", where=text,
                   hint="name the image: --artifact HOST/REPOSITORY@sha256:HEX")
