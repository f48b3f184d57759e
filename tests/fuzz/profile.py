"""Hypothesis settings for the fuzz suite.

`make test` runs a bounded, deterministic search (about two minutes in all). A longer,
random search:

    PROVENANCE_FUZZ_EXAMPLES=2000 PROVENANCE_FUZZ_RANDOM=1 \\
        .venv/bin/python -m pytest tests/fuzz -q -p no:cacheprovider

(examples per parser family). Inputs that let a foreign exception escape are written to
`$PROVENANCE_FUZZ_FOUND` (default `.fuzz-found/`) to be reduced and kept under
tests/fuzz/regressions/."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("PROVENANCE_FUZZ_EXAMPLES", "30"))
FOUND = Path(os.environ.get("PROVENANCE_FUZZ_FOUND", ".fuzz-found"))

FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    derandomize=not os.environ.get("PROVENANCE_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
