"""The admission gate: Kubernetes `admission.k8s.io/v1` AdmissionReview → allow, deny or
warn, from stored, already-verified evidence (no network call on this path).

Pods and the pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs
and CronJobs are judged under the namespace's environment policy (runtime/judge.py) plus
quarantine. A tag is resolved through the digest the store recorded for it, or refused
where the environment requires digests. Verdicts are cached per (digest, policy digest,
evidence version) for `cache_ttl` seconds: any ingest, trust change or quarantine moves
the evidence version, so a stale decision is never served. A malformed review is a
UsageError (400), never an allow.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..access import audit
from ..errors import NotFound, ProvenanceError, UsageError
from ..graph.refs import parse_ref, resolve
from ..store.interface import GraphStore
from ..telemetry import events, metrics
from ..telemetry.logging import get_logger
from ..trust.environment_policies import for_environment
from . import evidence
from .environments import EnvironmentRule, parse_namespace_map
from .images import split_reference
from .judge import Judge, Verdict

API_VERSION = "admission.k8s.io/v1"
NAMESPACES = "runtime.namespaces"  # namespace -> environment, kept by watch-cluster
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_SECTIONS = ("initContainers", "containers", "ephemeralContainers")
MAX_REVIEW_BYTES = 3 * 1024 * 1024


def _split(text: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (text or "").split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class AdmissionSettings:
    warn_environments: frozenset[str] = frozenset()  # admit, but return warnings
    require_digest: frozenset[str] = frozenset({"production"})  # refuse tags here
    cache_ttl: float = 60.0  # time-dependent checks (key expiry, signature age)
    rule: EnvironmentRule = field(default_factory=EnvironmentRule)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AdmissionSettings:
        env = os.environ if environ is None else environ
        return cls(
            warn_environments=_split(env.get("PROVENANCE_ADMISSION_WARN_ENVIRONMENTS")),
            require_digest=_split(env.get("PROVENANCE_ADMISSION_REQUIRE_DIGEST",
                                          "production")),
            cache_ttl=float(env.get("PROVENANCE_ADMISSION_CACHE_SECONDS", "60")),
            rule=EnvironmentRule(namespaces=parse_namespace_map(
                env.get("PROVENANCE_NAMESPACE_ENVIRONMENTS"))))


@dataclass(frozen=True, slots=True)
class Review:
    uid: str
    kind: str
    namespace: str
    name: str
    operation: str
    user: str
    obj: Mapping[str, Any] | None
    dry_run: bool = False
    old: Mapping[str, Any] | None = None  # the object before an UPDATE


def _at(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def parse_review(body: bytes) -> Review:
    if len(body) > MAX_REVIEW_BYTES:
        raise UsageError("AdmissionReview is too large", where="request body")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"AdmissionReview is not JSON: {exc}", where="request body") from exc
    if not isinstance(data, Mapping) or data.get("kind") != "AdmissionReview":
        raise UsageError("expected kind AdmissionReview", where="$.kind")
    if data.get("apiVersion") != API_VERSION:
        raise UsageError(f"expected apiVersion {API_VERSION}", where="$.apiVersion")
    request = data.get("request")
    if not isinstance(request, Mapping):
        raise UsageError("AdmissionReview has no request", where="$.request")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise UsageError("request.uid must be a non-empty string", where="$.request.uid")
    kind = _at(request, ("kind", "kind"))
    if not isinstance(kind, str):
        raise UsageError("request.kind.kind must be a string", where="$.request.kind")
    obj = request.get("object")
    operation = str(request.get("operation") or "")
    if operation in ("CREATE", "UPDATE") and not isinstance(obj, Mapping):
        raise UsageError("request.object must be an object", where="$.request.object")
    namespace = request.get("namespace") or _at(obj, ("metadata", "namespace")) or ""
    name = request.get("name") or _at(obj, ("metadata", "name")) or \
        _at(obj, ("metadata", "generateName")) or ""
    return Review(uid, kind, str(namespace), str(name), operation,
                  str(_at(request, ("userInfo", "username")) or ""),
                  obj if isinstance(obj, Mapping) else None, request.get("dryRun") is True,
                  old if isinstance(old := request.get("oldObject"), Mapping) else None)


def images_of(kind: str, obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(container, image) of every container of the object's pod spec."""
    path = TEMPLATE_PATHS.get(kind)
    if path is None:
        return []
    spec = _at(obj, path)
    where = "$.request.object." + ".".join(path)
    if not isinstance(spec, Mapping):
        raise UsageError("expected a pod spec", where=where)
    out = []
    for section in CONTAINER_SECTIONS:
        entries = spec.get(section) or []
        if not isinstance(entries, list):
            raise UsageError("expected a list", where=f"{where}.{section}")
        for i, c in enumerate(entries):
            if not isinstance(c, Mapping) or not isinstance(c.get("image"), str):
                raise UsageError("a container needs an image", where=f"{where}.{section}[{i}]")
            out.append((str(c.get("name") or f"{section}[{i}]"), str(c["image"])))
    return out


def _images_or_none(kind: str, obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    try:
        return images_of(kind, obj)
    except UsageError:  # a malformed old object adds no known images
        return []


@dataclass(slots=True)
class Decision:
    allowed: bool
    decision: str  # allow | deny | warn
    environment: str | None
    reason: str  # the first failed check, or passed / no_environment / not_a_workload
    messages: list[str]
    cached: bool = False  # every verdict came from the cache

    def response(self, uid: str) -> dict[str, Any]:
        body: dict[str, Any] = {"uid": uid, "allowed": self.allowed}
        if self.decision == "deny":
            body["status"] = {"code": 403, "reason": "Forbidden",
                              "message": "provenance-linker: " + "; ".join(self.messages)}
        elif self.decision == "warn":
            body["warnings"] = [m[:250] for m in self.messages]
        return {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": body}


class AdmissionController:
    def __init__(self, store: GraphStore, settings: AdmissionSettings | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.settings = settings or AdmissionSettings()
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], tuple[Verdict, float]] = {}
        self.hits = 0
        self.misses = 0
        self._log = get_logger(component=events.COMPONENT_API)

    def environment(self, namespace: str) -> str | None:
        recorded = self.store.get_record(NAMESPACES, namespace)
        if recorded and recorded.get("environment"):
            return str(recorded["environment"])
        return self.settings.rule.of(namespace, {})

    def verdict(self, digest: str, environment: str, version: str) -> Verdict:
        policy = for_environment(self.store, environment)
        key = (digest, policy.digest, version)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[1] > now:
                self.hits += 1
                return hit[0]
        verdict = Judge(self.store).judge(digest, environment)
        with self._lock:
            self.misses += 1
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (verdict, now + self.settings.cache_ttl)
        return verdict

    def _image_failures(self, image: str, environment: str, version: str
                        ) -> list[tuple[str, str]]:
        """(check, message) of every failed check of one image."""
        name, digest, problem = split_reference(image)
        if problem:
            return [("image-reference", f"image {name}: image-reference: {problem}")]
        if digest is None:
            if environment in self.settings.require_digest:
                return [("digest-required", f"image {name}: digest-required: {environment} "
                         "admits only images pinned by digest (name@sha256:…)")]
            try:
                digest = resolve(self.store, parse_ref(name)).digest
            except (NotFound, ProvenanceError) as exc:
                return [("unknown-image", f"image {name}: unknown-image: {exc}")]
        assert digest is not None
        verdict = self.verdict(digest, environment, version)
        return [(f.split(":", 1)[0], f"image {name}@{digest[:19]}…: {f}")
                for f in verdict.failed]

    def decide(self, review: Review) -> Decision:
        if review.obj is None or review.operation not in ("CREATE", "UPDATE"):
            return Decision(True, "allow", None, "not_a_workload", [])
        images = images_of(review.kind, review.obj)
        if review.operation == "UPDATE" and review.old is not None:
            # Judge only images the update brings in: scaling or relabelling a workload
            # (the runbook's `replicas: 0`) must not be refused for images already there;
            # the Pods it would create are judged on their own CREATE.
            before = {image for _, image in _images_or_none(review.kind, review.old)}
            images = [(c, i) for c, i in images if i not in before]
        if not images:
            return Decision(True, "allow", None, "not_a_workload" if review.operation ==
                            "CREATE" else "no_new_images", [])
        environment = self.environment(review.namespace)
        if environment is None:
            return Decision(True, "allow", None, "no_environment", [])
        version = evidence.current(self.store)
        failures: list[tuple[str, str]] = []
        misses = self.misses
        for _, image in images:
            failures += self._image_failures(image, environment, version)
        cached = self.misses == misses
        if not failures:
            return Decision(True, "allow", environment, "passed", [], cached)
        warn = environment in self.settings.warn_environments
        return Decision(warn, "warn" if warn else "deny", environment, failures[0][0],
                        [message for _, message in failures], cached)

    def review(self, body: bytes, source_ip: str | None = None) -> dict[str, Any]:
        review = parse_review(body)
        decision = self.decide(review)
        metrics.admission_decisions_total.labels(decision.decision, decision.environment or "",
                                                 decision.reason).inc()
        target = f"{review.namespace}/{review.kind}/{review.name}"
        self._log.info(events.ADMISSION_DECISION, decision=decision.decision,
                       environment=decision.environment, reason=decision.reason,
                       target=target, uid=review.uid, user=review.user,
                       failed=decision.messages, cached=decision.cached)
        if decision.decision == "deny" and not review.dry_run:  # sideEffects: NoneOnDryRun
            audit.record(self.store, action="admission.deny", actor=review.user or "unknown",
                         outcome="refused", source_ip=source_ip, target=target,
                         environment=decision.environment, failed=decision.messages)
        return decision.response(review.uid)
