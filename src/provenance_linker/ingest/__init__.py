"""Ingest: the orchestrator, one builder per document kind, enrichers."""
