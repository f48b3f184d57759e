"""Vulnerability and malicious-package intelligence: OSV ranges, severity, matching,
VEX, blast radius inputs and the metric values the service exports."""
