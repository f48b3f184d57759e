"""`verify --artifact`: re-evaluate policy over stored evidence (verified at ingest),
re-checking key validity, rotation, revocation and trusted identities at this moment.
No cryptography on this path, which keeps it fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..graph.refs import parse_ref, resolve
from ..model import NodeKind, NodeRef
from ..store.interface import GraphStore
from ..telemetry import events, metrics
from ..telemetry.logging import get_logger
from .bypass import Bypass
from .environment_policies import PolicyChoice, for_environment
from .gather import Evidence, gather
from .policy import Check, CheckResult, Trust
from .reverify import reverify
from .trust_store import TrustStore
from .verification_log import record_outcome

PASS = "success"
FAIL = "failure"
BYPASSED = "bypassed"


@dataclass(slots=True)
class VerificationReport:
    artifact: str  # the reference as given
    digest: str
    artifact_type: str
    environment: str | None
    result: str  # success | failure | bypassed
    checks: CheckResult
    failure_reason: str | None = None
    bypass: dict[str, Any] | None = None
    reverified: list[dict[str, str]] = field(default_factory=list)
    policy: dict[str, str] | None = None  # which policy judged: source, name, digest

    @property
    def exit_code(self) -> int:
        return 1 if self.result == FAIL else 0

    def as_dict(self) -> dict[str, Any]:
        return {"artifact": self.artifact, "digest": self.digest,
                "artifact_type": self.artifact_type, "environment": self.environment,
                "result": self.result, "passed": self.result != FAIL,
                "failure_reason": self.failure_reason, "bypass": self.bypass,
                "policy": self.policy, "checks": self.checks.as_dict(),
                "reverified": self.reverified}


def _first_failure(result: CheckResult) -> CheckResult:
    for child in result.children:
        if not child.passed:
            return _first_failure(child)
    return result


def verify_artifact(store: GraphStore, reference: str, *,
                    policy: Check | PolicyChoice | None = None,
                    environment: str | None = None,
                    clock: Callable[[], datetime] | None = None,
                    record: bool = True,
                    evidence: Evidence | None = None) -> VerificationReport:
    """Judge the artifact's stored evidence (`evidence`: already gathered for this digest
    by `gather_many`, when a page judges many artifacts at once). The policy: the one
    given, else the environment's stored policy, else the default
    (trust/environment_policies.py).
    `record=False` (pages and reports that show a verdict) neither counts the outcome in
    provenance_verifications_total nor logs a failure: viewing is not verifying."""
    clock = clock or (lambda: datetime.now(UTC))
    if policy is None:
        choice = for_environment(store, environment)
    elif isinstance(policy, PolicyChoice):
        choice = policy
    else:
        choice = PolicyChoice(policy, "given", policy.name, "")
    ref = resolve(store, parse_ref(reference))
    assert ref.digest is not None
    artifact_type = "container-image" if ref.name else "artifact"
    trust_store = TrustStore(store, clock=clock)
    pending = [e.src for e in store.edges(dst=[NodeRef(NodeKind.ARTIFACT, ref.digest)])
               if e.src.kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION)]
    reverified = reverify(store, trust_store, pending) if pending else []
    if evidence is None or evidence.digest != ref.digest or reverified:
        evidence = gather(store, ref.digest)  # re-verification may have changed it
    trust = Trust(trust_store.keys(), trust_store.identities(), clock())
    result = choice.check.evaluate(evidence, trust)
    bypass = Bypass(store, clock=clock).status()
    failure_reason = None
    outcome = PASS
    if not result.passed:
        failing = _first_failure(result)
        failure_reason = failing.check
        outcome = BYPASSED if bypass.active else FAIL
    if not result.passed and record:
        get_logger(component=events.COMPONENT_VERIFIER).error(
            events.VERIFICATION_FAILED, artifact=reference, artifact_name=str(ref),
            digest=ref.digest,
            artifact_type=artifact_type, failure_reason=failure_reason,
            detail=failing.detail, environment=environment, bypassed=bypass.active)
    elif record:  # the runbooks grep the logs for the alert's artifact_name (name@digest)
        get_logger(component=events.COMPONENT_VERIFIER).info(
            events.VERIFICATION_PASSED, artifact=reference, artifact_name=str(ref),
            digest=ref.digest, artifact_type=artifact_type, environment=environment)
    if record:
        metrics.verifications_total.labels(outcome, artifact_type, failure_reason or "").inc()
        record_outcome(store, outcome=outcome, artifact_type=artifact_type,
                       failure_reason=failure_reason, environment=environment,
                       digest=ref.digest)
    return VerificationReport(reference, ref.digest, artifact_type, environment, outcome,
                              result, failure_reason,
                              bypass.as_dict() if bypass.active else None, reverified,
                              choice.as_dict())
