"""What runs now: the RUNS edges of each deployment's last observed snapshot."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Edge, EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore


def current_runs(store: GraphStore, deployments: Iterable[str]) -> list[Edge]:
    """RUNS edges of the last observed snapshot of each deployment."""
    refs = [NodeRef(NodeKind.DEPLOYMENT, d) for d in set(deployments)]
    if not refs:
        return []
    runs = store.edges([EdgeKind.RUNS], src=refs)
    latest: dict[str, str] = {}
    for e in runs:
        at = str(e.props.get("observed_at") or "")
        latest[e.src.key] = max(latest.get(e.src.key, ""), at)
    return [e for e in runs if str(e.props.get("observed_at") or "") == latest[e.src.key]]
