"""Every metric name, in one place, spelled as the operational spec spells them.

Counters and histograms are updated where events happen; gauges that describe the graph
(vulnerabilities, malicious packages, unsigned artifacts, queue size) are computed from
the store when scraped (see the service's collector), so every replica reports the same
truth.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# --- names (the spec's alerts and runbooks use these exact strings) ----------------------
VERIFICATIONS_TOTAL = "provenance_verifications_total"
SBOM_VULNERABILITIES = "provenance_sbom_vulnerabilities"
MALICIOUS_PACKAGES_DETECTED_TOTAL = "malicious_packages_detected_total"
HTTP_REQUEST_DURATION_SECONDS = "http_request_duration_seconds"
SBOM_PROCESSING_QUEUE_SIZE = "sbom_processing_queue_size"
GRAPH_DATABASE_UP = "provenance_graph_database_up"
UNAUTHORIZED_MODIFICATIONS_TOTAL = "provenance_unauthorized_modifications_total"
UNSIGNED_ARTIFACTS_IN_PRODUCTION = "provenance_unsigned_artifacts_in_production"
VERIFICATION_BYPASS_ACTIVE = "provenance_verification_bypass_active"

# --- label names ----------------------------------------------------------------------------
VERIFICATION_LABELS = ("result", "artifact_type", "failure_reason")
SEVERITY_LABELS = ("severity",)
MALICIOUS_LABELS = ("ecosystem", "package", "version", "advisory")
HTTP_LABELS = ("endpoint", "method", "status")
UNSIGNED_LABELS = ("artifact_name", "deployment", "namespace", "environment")

# --- event metrics (process-local; the service aggregates across workers) -----------------
verifications_total = Counter(
    VERIFICATIONS_TOTAL.removesuffix("_total"),
    "Artifact verifications by result (success, failure, bypassed), artifact type and reason.",
    VERIFICATION_LABELS,
)
unauthorized_modifications_total = Counter(
    UNAUTHORIZED_MODIFICATIONS_TOTAL.removesuffix("_total"),
    "Refused attempts to modify provenance data (no token, wrong role, blocked, revoked).",
    ("route", "reason"),
)
http_request_duration_seconds = Histogram(
    HTTP_REQUEST_DURATION_SECONDS,
    "HTTP request latency by route template, method and status.",
    HTTP_LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
graph_database_up = Gauge(
    GRAPH_DATABASE_UP, "1 when the graph database answers, 0 when it does not.")
verification_bypass_active = Gauge(
    VERIFICATION_BYPASS_ACTIVE, "1 while the emergency verification bypass is enabled.")

# --- OCI registry fetches (registry/) -------------------------------------------------------
REGISTRY_FETCHES_TOTAL = "provenance_registry_fetches_total"
REGISTRY_FETCH_BYTES_TOTAL = "provenance_registry_fetch_bytes_total"
REGISTRY_FETCH_DURATION_SECONDS = "provenance_registry_fetch_duration_seconds"
REGISTRY_FETCH_LABELS = ("registry", "result")
registry_fetches_total = Counter(
    REGISTRY_FETCHES_TOTAL.removesuffix("_total"),
    "Registry requests by registry host and result (ok, not_found, digest_mismatch, "
    "too_large, rate_limited, server_error, unauthorized, unreachable, refused, error).",
    REGISTRY_FETCH_LABELS,
)
registry_fetch_bytes_total = Counter(
    REGISTRY_FETCH_BYTES_TOTAL.removesuffix("_total"),
    "Bytes received from registries (manifests, blobs, referrers), by registry host.",
    ("registry",),
)
registry_fetch_duration_seconds = Histogram(
    REGISTRY_FETCH_DURATION_SECONDS,
    "Registry request latency (retries and token exchanges included), by registry host.",
    ("registry",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# --- runtime: cluster watch, admission, quarantine, re-evaluation (docs/runtime.md) --------
ADMISSION_DECISIONS_TOTAL = "provenance_admission_decisions_total"
VERDICT_CHANGES_TOTAL = "provenance_verdict_changes_total"
RUNNING_VERDICTS = "provenance_running_verdicts"
QUARANTINED_DEPLOYMENTS = "provenance_quarantined_deployments"
RUNNING_WORKLOADS = "provenance_running_workloads"
UNRESOLVED_RUNNING_IMAGES = "provenance_unresolved_running_images"
CLUSTER_WATCH_EVENTS_TOTAL = "provenance_cluster_watch_events_total"
ADMISSION_LABELS = ("decision", "environment", "reason")
VERDICT_CHANGE_LABELS = ("environment", "result")
RUNNING_VERDICT_LABELS = ("environment", "result")
QUARANTINED_LABELS = ("deployment", "namespace", "environment", "artifact", "quarantine")
RUNNING_WORKLOAD_LABELS = ("environment",)
UNRESOLVED_LABELS = ("deployment", "namespace", "container", "reason")
WATCH_EVENT_LABELS = ("resource", "type")
admission_decisions_total = Counter(
    ADMISSION_DECISIONS_TOTAL.removesuffix("_total"),
    "Admission decisions by decision (allow, deny, warn), environment and reason.",
    ADMISSION_LABELS,
)
verdict_changes_total = Counter(
    VERDICT_CHANGES_TOTAL.removesuffix("_total"),
    "Running workloads whose verdict changed after new evidence, by new result.",
    VERDICT_CHANGE_LABELS,
)
cluster_watch_events_total = Counter(
    CLUSTER_WATCH_EVENTS_TOTAL.removesuffix("_total"),
    "Kubernetes watch events processed by resource and type (incl. RELIST, RECONNECT).",
    WATCH_EVENT_LABELS,
)
RUNTIME_METRIC_NAMES = (
    ADMISSION_DECISIONS_TOTAL, VERDICT_CHANGES_TOTAL, RUNNING_VERDICTS,
    QUARANTINED_DEPLOYMENTS, RUNNING_WORKLOADS, UNRESOLVED_RUNNING_IMAGES,
    CLUSTER_WATCH_EVENTS_TOTAL,
)
RUNTIME_METRIC_LABELS: dict[str, tuple[str, ...]] = {
    ADMISSION_DECISIONS_TOTAL: ADMISSION_LABELS, VERDICT_CHANGES_TOTAL: VERDICT_CHANGE_LABELS,
    RUNNING_VERDICTS: RUNNING_VERDICT_LABELS, QUARANTINED_DEPLOYMENTS: QUARANTINED_LABELS,
    RUNNING_WORKLOADS: RUNNING_WORKLOAD_LABELS, UNRESOLVED_RUNNING_IMAGES: UNRESOLVED_LABELS,
    CLUSTER_WATCH_EVENTS_TOTAL: WATCH_EVENT_LABELS,
}

ALL_METRIC_NAMES = (
    VERIFICATIONS_TOTAL, SBOM_VULNERABILITIES, MALICIOUS_PACKAGES_DETECTED_TOTAL,
    HTTP_REQUEST_DURATION_SECONDS, SBOM_PROCESSING_QUEUE_SIZE, GRAPH_DATABASE_UP,
    UNAUTHORIZED_MODIFICATIONS_TOTAL, UNSIGNED_ARTIFACTS_IN_PRODUCTION,
    VERIFICATION_BYPASS_ACTIVE,
    *RUNTIME_METRIC_NAMES,
)

UNAUTHORIZED_LABELS = ("route", "reason")
# Every metric's label names (histograms also carry `le` on their _bucket series).
METRIC_LABELS: dict[str, tuple[str, ...]] = {
    VERIFICATIONS_TOTAL: VERIFICATION_LABELS,
    SBOM_VULNERABILITIES: SEVERITY_LABELS,
    MALICIOUS_PACKAGES_DETECTED_TOTAL: MALICIOUS_LABELS,
    HTTP_REQUEST_DURATION_SECONDS: HTTP_LABELS,
    SBOM_PROCESSING_QUEUE_SIZE: (),
    GRAPH_DATABASE_UP: (),
    UNAUTHORIZED_MODIFICATIONS_TOTAL: UNAUTHORIZED_LABELS,
    UNSIGNED_ARTIFACTS_IN_PRODUCTION: UNSIGNED_LABELS,
    VERIFICATION_BYPASS_ACTIVE: (),
    **RUNTIME_METRIC_LABELS,
}
HISTOGRAMS = frozenset({HTTP_REQUEST_DURATION_SECONDS})

# --- operations (#17): computed at scrape time from store records -------------------------
INTEGRITY_OK = "provenance_integrity_ok"
LOG_HEAD_SEQUENCE = "provenance_log_head_sequence"
STORE_SIZE_BYTES = "provenance_store_size_bytes"
KEY_EXPIRY_SECONDS = "provenance_trust_key_nearest_expiry_seconds"
OPS_METRIC_LABELS: dict[str, tuple[str, ...]] = {
    INTEGRITY_OK: (),
    LOG_HEAD_SEQUENCE: ("stream", "hash"),
    STORE_SIZE_BYTES: (),
    KEY_EXPIRY_SECONDS: (),
}
