"""What runs now: workload facts with a lifecycle, the cluster watch, admission,
quarantine and continuous re-evaluation (docs/runtime.md).

Other domain packages reach this one only through string-named hooks
(`linker.AFTER_APPLY`, `trust.keys.CHANGE_HOOKS`), never by import, so there is no
import cycle with trust/ or the ingest orchestrator.
"""
