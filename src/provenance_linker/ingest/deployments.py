"""KubernetesRecord → Batch: which workloads run which image digests, where.

Deployment nodes are keyed `cluster/namespace/kind/name`; `RUNS` points at the Artifact
by digest (from `image: name@sha256:…` or a Pod's resolved `imageID`), `Name -NAMES->
Artifact` records the image name, `IN` the environment. The environment is the
`--environment` option, else the workload's `environment`/`env` label
(`app.kubernetes.io/environment` too), else a namespace named like one (`prod`,
`payments-production`, `staging`, …). Workload lifecycles (a later snapshot of the same
scope ends what it no longer lists; `replicas: 0` ends a workload) and the history they
leave are the runtime package's (runtime/snapshot.py, runtime/lifecycle.py).
"""

from __future__ import annotations

from ..documents import Document
from ..formats.kubernetes import KubernetesRecord
from ..runtime.environments import normalize_environment
from ..runtime.images import digest_of_image_id
from ..runtime.snapshot import DEFAULT_CLUSTER, snapshot_batch
from .contract import BuildContext, Built

__all__ = ["DEFAULT_CLUSTER", "build_deployments", "digest_of_image_id",
           "normalize_environment"]


def build_deployments(record: KubernetesRecord, document: Document, ctx: BuildContext) -> Built:
    batch, summary, warnings = snapshot_batch(
        ctx.store, record, document, cluster=ctx.options.cluster,
        environment=ctx.options.environment, scope=ctx.options.scope, now=ctx.now)
    return Built(batch, summary, warnings)
