"""`query running --artifact REF`, `query history --deployment NS/KIND/NAME` and the
running-workload gauges."""

from __future__ import annotations

from typing import Any

from ..graph.refs import parse_ref, resolve
from ..model import NodeKind
from ..runtime.history import deployment_history, deployment_key, running_now
from ..store.interface import GraphStore


def running_artifact(store: GraphStore, reference: str) -> dict[str, Any]:
    ref = resolve(store, parse_ref(reference))
    assert ref.digest is not None
    rows = [r.as_dict() for r in running_now(store, [ref.digest])]
    return {"artifact": reference, "digest": ref.digest, "running": rows,
            "workloads": len({r["deployment"] for r in rows})}


def history(store: GraphStore, deployment: str, cluster: str = "default") -> dict[str, Any]:
    key = deployment_key(deployment, cluster)
    node = store.get_many(NodeKind.DEPLOYMENT, [key]).get(key)
    intervals = deployment_history(store, key)
    return {"deployment": key, "running": bool(node and node.props.get("running") is True),
            "history": intervals}


def running_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    counts: dict[str, set[str]] = {}
    for node in store.find(NodeKind.DEPLOYMENT, {"running": True}):
        counts.setdefault(str(node.props.get("environment") or ""), set()).add(node.key)
    return [({"environment": env}, float(len(keys))) for env, keys in sorted(counts.items())]


def unresolved_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    rows = []
    for node in store.find(NodeKind.DEPLOYMENT, {"running": True}):
        for image in node.props.get("unresolved") or []:
            rows.append(({"deployment": str(node.props.get("name") or node.key),
                          "namespace": str(node.props.get("namespace") or ""),
                          "container": str(image.get("container") or ""),
                          "reason": str(image.get("reason") or "")}, 1.0))
    return rows
