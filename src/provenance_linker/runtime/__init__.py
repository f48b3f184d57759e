"""What runs now: workload facts with a lifecycle, the cluster watch, admission,
quarantine and continuous re-evaluation (docs/runtime.md).

The ingest orchestrator calls `reevaluate.after_ingest` after every new document
(`AFTER_APPLY`); the trust store names `reevaluate.after_trust_change` as a string
(`CHANGE_HOOKS`) because runtime/ imports trust/ and an import back would be a cycle.
"""
