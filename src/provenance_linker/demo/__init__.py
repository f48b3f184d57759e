"""Deterministic demo data: sample SBOMs, advisories, clusters, signing."""
