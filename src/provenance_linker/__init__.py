"""provenance-linker: one provenance graph for SBOMs, signatures, attestations,
advisories and deployments."""

__version__ = "0.1.0"
