"""Which VEX statuses suppress a finding for an artifact (OpenVEX and CycloneDX alike)."""

from __future__ import annotations

SUPPRESSING = frozenset({"not_affected", "fixed"})
