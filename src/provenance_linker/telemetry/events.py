"""Every log event name and component, spelled as the operational spec spells them.

The spec's runbooks grep for these strings (`kubectl logs ... | grep "..."`), so they
are part of the interface: change them only together with the spec.
"""

from __future__ import annotations

# Components (the `component` field of every log line, and the pods' labels).
COMPONENT_API = "provenance-api"
COMPONENT_VERIFIER = "signature-verifier"
COMPONENT_PROCESSOR = "sbom-processor"
COMPONENT_CLI = "provenance-linker"

# Events.
VERIFICATION_FAILED = "verification failed"
SLOW_QUERY = "slow_query"
UNAUTHORIZED_MODIFICATION = "unauthorized_modification"
OUT_OF_MEMORY = "OutOfMemory"
MEMORY_LEAK = "memory leak suspected"
DOCUMENT_INGESTED = "document_ingested"
DOCUMENT_REFUSED = "document_refused"
STORE_UNAVAILABLE = "graph_database_unavailable"

# OCI registries (registry/): a request slower than the threshold, like `slow_query`.
SLOW_REGISTRY = "slow_registry"
REGISTRY_FETCHED = "registry_fetched"

# Runtime: cluster watch, admission, re-evaluation (docs/runtime.md).
COMPONENT_WATCHER = "cluster-watcher"
VERDICT_CHANGED = "verdict_changed"
ADMISSION_DECISION = "admission_decision"
WORKLOAD_STARTED = "workload_started"
WORKLOAD_CHANGED = "workload_changed"
WORKLOAD_ENDED = "workload_ended"
IMAGE_UNRESOLVED = "image_unresolved"
WATCH_RECONNECT = "cluster_watch_reconnect"
WATCH_RELIST = "cluster_watch_relist"
REEVALUATION_FAILED = "reevaluation_failed"
# Advisory feeds (feeds sync, the worker's feed schedule).
FEED_SYNCED = "feed_synced"
FEED_SYNC_FAILED = "feed_sync_failed"
# Storage failures (disk full under the store).
STORAGE_FULL = "storage_full"
# --- operations (#17): integrity, backups, retention, notifications -----------------------
INTEGRITY_VIOLATION = "integrity_violation"
INTEGRITY_VERIFIED = "integrity_verified"
LOG_HEAD = "log_head"
VERIFICATION_PASSED = "verification passed"
BACKUP_WRITTEN = "backup_written"
RESTORE_DONE = "restore_done"
STORE_PRUNED = "store_pruned"
NOTIFICATION_SENT = "notification_sent"
NOTIFICATION_FAILED = "notification_failed"
