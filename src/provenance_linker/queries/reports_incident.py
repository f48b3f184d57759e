"""The incident report for one advisory: blast radius, the dependency paths, who owns
each affected workload, how each affected artifact was built and what `verify` says of
it now. One self-contained HTML file (inline CSS and SVG, no script, no network), so it
can be mailed or attached to a ticket and opened anywhere."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import ProvenanceError
from ..model import NodeKind
from ..store.interface import GraphStore
from ..trust.gather import gather
from ..trust.verifier import verify_artifact
from .blast_graph import blast_graph, layered_layout
from .blast_radius import blast_radius

OWNER_LABELS = ("owner", "team", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by")
MAX_VERDICTS = 200  # artifacts verified for one report


def owner_of(props: dict[str, Any]) -> str:
    labels = props.get("labels") or {}
    for label in OWNER_LABELS:
        if labels.get(label):
            return f"{labels[label]} ({label})"
    return f"namespace {props.get('namespace')}" if props.get("namespace") else "unknown"


def _build_chain(store: GraphStore, digest: str) -> dict[str, Any]:
    evidence = gather(store, digest)
    builds = [{"builder": b.get("builder_id"), "verified": b.get("verified"),
               "repository": b.get("source_repository") or (b.get("sources") or [{}])[0]
               .get("repository"),
               "commit": b.get("source_commit") or (b.get("sources") or [{}])[0].get("commit")}
              for b in evidence.builds]
    signers = sorted({str(s.get("subject") or s.get("key_name") or s.get("key_id") or "?")
                      for s in evidence.signatures if s.get("status") == "valid"})
    return {"builds": builds, "signers": signers}


def incident(store: GraphStore, vuln_id: str, environment: str | None, now: str
             ) -> dict[str, Any]:
    data = blast_radius(store, vuln_id, environment)
    graph = blast_graph(data)
    nodes = store.get_many(NodeKind.DEPLOYMENT, {d["key"] for d in data["deployments"]})
    owners = {k: owner_of(dict(n.props)) for k, n in nodes.items()}
    verdicts: dict[str, dict[str, Any]] = {}
    envs = {d["artifact"]: (d["environments"] or [None])[0] for d in data["deployments"]}
    for a in data["artifacts"][:MAX_VERDICTS]:
        try:
            report = verify_artifact(store, a["digest"], environment=envs.get(a["digest"])
                                     or environment, record=False)
            verdicts[a["digest"]] = {"result": report.result,
                                     "reason": report.failure_reason or "",
                                     "environment": report.environment}
        except ProvenanceError as exc:
            verdicts[a["digest"]] = {"result": "error", "reason": exc.message,
                                     "environment": environment}
    chains = {a["digest"]: _build_chain(store, a["digest"])
              for a in data["artifacts"][:MAX_VERDICTS]}
    return {**data, "graph": graph, "owners": owners, "verdicts": verdicts,
            "chains": chains, "generated_at": now}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("provenance_linker.queries", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def incident_html(report: dict[str, Any]) -> str:
    positions = layered_layout(report["graph"])
    height = int(max((y for _, y in positions.values()), default=0) + 40)
    return _env().get_template("incident.html").render(r=report, pos=positions,
                                                       height=height)
