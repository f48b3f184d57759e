"""What runs now (the graph) and what ran when (the `runtime` history log)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import UsageError
from ..model import Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from .facts import ENDED, RUNTIME_STREAM


@dataclass(frozen=True, slots=True)
class RunningImage:
    """One container image of one running workload."""

    deployment: str  # cluster/namespace/kind/name
    cluster: str
    namespace: str
    kind: str
    name: str
    environment: str | None
    container: str
    image: str
    digest: str
    since: str

    def as_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "cluster": self.cluster,
                "namespace": self.namespace, "kind": self.kind, "name": self.name,
                "environment": self.environment, "container": self.container,
                "image": self.image, "digest": self.digest, "since": self.since}


def parse_timestamp(text: str, where: str = "--at") -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"{where}: not an ISO 8601 timestamp: {text!r}",
                         hint="e.g. 2026-12-02T13:00:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def running_now(store: GraphStore, digests: Iterable[str] | None = None, *,
                deployments: Iterable[str] | None = None) -> list[RunningImage]:
    """Every running (workload, image); or those running the given digests, or of the
    given workloads."""
    if digests is not None:
        # The workloads first, by a lean read over the (many) digests; then their RUNS
        # edges: blast radius asks about thousands of artifacts, few of which run.
        wanted = set(digests)
        workloads = {d for d, _ in store.edge_keys(EdgeKind.RUNS, NodeKind.ARTIFACT, wanted)}
        refs = [NodeRef(NodeKind.DEPLOYMENT, d) for d in sorted(workloads)]
        runs = [e for e in store.edges([EdgeKind.RUNS], src=refs)
                if e.dst.kind == NodeKind.ARTIFACT and e.dst.key in wanted] if refs else []
    elif deployments is not None:
        refs = [NodeRef(NodeKind.DEPLOYMENT, d) for d in sorted(set(deployments))]
        runs = store.edges([EdgeKind.RUNS], src=refs) if refs else []
    else:
        return running_in(store, None)
    nodes = store.get_many(NodeKind.DEPLOYMENT, {e.src.key for e in runs})
    return _running_images((e, nodes.get(e.src.key)) for e in runs)


def running_in(store: GraphStore, environment: str | None) -> list[RunningImage]:
    """What runs now in an environment (everywhere when None): the same rows as
    `running_now` of that environment's workloads, from one batched store read."""
    return _running_images(store.deployment_runs(environment))


def _running_images(runs: Iterable[tuple[Edge, Node | None]]) -> list[RunningImage]:
    out = set()
    for e, node in runs:
        p = node.props if node else {}
        if p.get("running") is False:
            continue
        out.add(RunningImage(e.src.key, str(p.get("cluster") or ""),
                             str(p.get("namespace") or ""), str(p.get("kind") or ""),
                             str(p.get("name") or ""), p.get("environment"),
                             str(e.props.get("container") or ""),
                             str(e.props.get("image") or ""), e.dst.key,
                             str(e.props.get("since") or e.props.get("observed_at") or "")))
    return sorted(out, key=lambda r: (r.deployment, r.container, r.digest))


def _entries(store: GraphStore) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in store.read_log(RUNTIME_STREAM)]


def running_at(store: GraphStore, at: datetime) -> list[RunningImage]:
    """What ran at `at`, rebuilt from the history log."""
    last: dict[str, dict[str, Any]] = {}
    for entry in _entries(store):
        if parse_timestamp(str(entry.get("at")), "history").astimezone(UTC) <= at:
            last[str(entry.get("deployment"))] = entry
    out = []
    for key, entry in sorted(last.items()):
        if entry.get("event") == ENDED:
            continue
        for image in entry.get("images") or []:
            if image.get("digest"):
                out.append(RunningImage(key, str(entry.get("cluster") or ""),
                                        str(entry.get("namespace") or ""),
                                        str(entry.get("kind") or ""),
                                        str(entry.get("name") or ""), entry.get("environment"),
                                        str(image.get("container") or ""),
                                        str(image.get("image") or ""), str(image["digest"]),
                                        str(entry.get("since") or "")))
    return out


def deployment_history(store: GraphStore, key: str) -> list[dict[str, Any]]:
    """The intervals a workload ran, oldest first: images, since, until, why it ended."""
    intervals: list[dict[str, Any]] = []
    for entry in _entries(store):
        if entry.get("deployment") != key:
            continue
        if intervals and intervals[-1]["until"] is None:
            intervals[-1]["until"] = entry.get("at")
            if entry.get("event") == ENDED:
                intervals[-1]["end_reason"] = entry.get("reason")
            else:
                intervals[-1]["end_reason"] = "images changed"
        if entry.get("event") != ENDED:
            intervals.append({"deployment": key, "environment": entry.get("environment"),
                              "images": entry.get("images") or [],
                              "since": entry.get("at"), "until": None, "end_reason": None,
                              "event": entry.get("event")})
    return intervals


def deployment_key(text: str, cluster: str) -> str:
    """`NS/KIND/NAME` (or `CLUSTER/NS/KIND/NAME`) → the workload key."""
    parts = text.strip().split("/")
    if len(parts) == 3 and all(parts):
        return f"{cluster}/{text.strip()}"
    if len(parts) == 4 and all(parts):
        return text.strip()
    raise UsageError(f"bad deployment {text!r}", hint="write NAMESPACE/KIND/NAME, e.g. "
                     "shop-prod/Deployment/web")
