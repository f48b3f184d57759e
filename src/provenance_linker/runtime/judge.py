"""Verdicts on stored, already-verified evidence: one artifact under one environment's
policy, plus quarantine. No cryptography and no network: the admission webhook and the
re-evaluation of running workloads both judge here (verify --artifact re-verifies first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..store.interface import GraphStore
from ..trust.environment_policies import PolicyChoice, for_environment
from ..trust.gather import SBOM, VULNERABILITIES, Evidence, gather_many
from ..trust.policy import CheckResult, Trust, evidence_read
from ..trust.trust_store import TrustStore
from . import quarantine as q

PASS = "pass"
FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Verdict:
    digest: str
    environment: str | None
    result: str  # pass | fail
    failed: tuple[str, ...]  # "check: detail" of each failed check
    policy: str  # digest of the policy that judged
    quarantine: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"digest": self.digest, "environment": self.environment,
                "result": self.result, "failed": list(self.failed), "policy": self.policy,
                "quarantine": list(self.quarantine)}


def failed_checks(result: CheckResult) -> list[str]:
    """Every failing leaf check, named with its detail."""
    if result.passed:
        return []
    if not result.children:
        return [f"{result.check}: {result.detail}"]
    out: list[str] = []
    for child in result.children:
        out += failed_checks(child)
    return out or [f"{result.check}: {result.detail}"]


@dataclass(slots=True)
class Judge:
    """Judges many artifacts with one read of the trust store, policies and quarantine."""

    store: GraphStore
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _trust: Trust | None = None
    _choices: dict[str, PolicyChoice] = field(default_factory=dict)
    _quarantine: q.QuarantineIndex | None = None

    def trust(self) -> Trust:
        if self._trust is None:
            ts = TrustStore(self.store, clock=self.clock)
            self._trust = Trust(ts.keys(), ts.identities(), self.clock())
        return self._trust

    def policy(self, environment: str | None) -> PolicyChoice:
        key = environment or ""
        if key not in self._choices:
            self._choices[key] = for_environment(self.store, environment)
        return self._choices[key]

    def quarantine(self) -> q.QuarantineIndex:
        if self._quarantine is None:
            self._quarantine = q.index(self.store)
        return self._quarantine

    def judge(self, digest: str, environment: str | None) -> Verdict:
        return self.judge_many([(digest, environment)])[(digest, environment)]

    def judge_many(self, wanted: Iterable[tuple[str, str | None]]
                   ) -> dict[tuple[str, str | None], Verdict]:
        pairs = sorted(set(wanted), key=lambda p: (p[0], p[1] or ""))
        evidence = gather_many(self.store, {d for d, _ in pairs},
                               self._parts({env for _, env in pairs}))
        return {(d, env): self._verdict(evidence[d], env) for d, env in pairs}

    def _parts(self, environments: set[str | None]) -> frozenset[str]:
        """The evidence the environments' policies read, and what quarantine matches on."""
        parts = frozenset().union(*(evidence_read(self.policy(env).check)
                                    for env in environments))
        return parts | {SBOM, VULNERABILITIES} if self.quarantine() else parts

    def _verdict(self, evidence: Evidence, environment: str | None) -> Verdict:
        digest = evidence.digest
        choice = self.policy(environment)
        result = choice.check.evaluate(evidence, self.trust())
        failed = failed_checks(result)
        held: list[str] = []
        index = self.quarantine()
        if index:
            held = q.matches(self.store, index, digest,
                             evidence.sbom.get("digest") if evidence.sbom else None,
                             [str(v.get("id")) for v in evidence.vulnerabilities])
            failed += [f"quarantine: {ident}" for ident in held]
        return Verdict(digest, environment, FAIL if failed else PASS, tuple(failed),
                       choice.digest, tuple(held))
