"""Images that run now: the digests of each deployment's last observed RUNS edges, with
the image name the workload gave. One function, so the runtime lifecycle can replace the
source without touching the fetch."""

from __future__ import annotations

from ..graph.deployments import current_runs
from ..ingest.deployments import normalize_environment
from ..model import NodeKind
from ..store.interface import GraphStore
from .reference import ImageRef, parse_image_ref


def running_images(store: GraphStore, environment: str | None = None) -> list[ImageRef]:
    where = {"environment": normalize_environment(environment)} if environment else None
    deployments = [node.key for node in store.find(NodeKind.DEPLOYMENT, where)]
    seen: dict[str, ImageRef] = {}
    for edge in current_runs(store, deployments):
        image = str(edge.props.get("image") or "")
        key = f"{image}@{edge.dst.key}"
        if not image or key in seen:
            continue
        # NAME[:TAG]@DIGEST: a name without a tag stays without one (not `latest`).
        seen[key] = parse_image_ref(f"{image.partition('@')[0]}@{edge.dst.key}")
    return [seen[k] for k in sorted(seen)]
