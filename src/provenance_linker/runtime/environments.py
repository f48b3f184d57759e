"""Which environment a namespace (or workload) belongs to.

Order: a namespace label (default `provenance.dev/environment`, configurable), then an
explicit namespace→environment map, then the workload's own environment label, then a
namespace named like an environment (`payments-prod` → production).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import UsageError

DEFAULT_NAMESPACE_LABEL = "provenance.dev/environment"
WORKLOAD_LABELS = ("environment", "env", "app.kubernetes.io/environment")
_WORDS = {"prod": "production", "production": "production", "prd": "production",
          "staging": "staging", "stage": "staging", "stg": "staging",
          "dev": "development", "development": "development", "test": "test",
          "qa": "qa", "sandbox": "sandbox"}


def normalize_environment(value: str) -> str:
    text = value.strip().lower()
    return _WORDS.get(text, text)


def from_namespace_name(namespace: str) -> str | None:
    for token in re.split(r"[-_.]", namespace.lower()):
        if token in _WORDS:
            return _WORDS[token]
    return None


def from_workload_labels(labels: Mapping[str, str]) -> str | None:
    for label in WORKLOAD_LABELS:
        if labels.get(label):
            return normalize_environment(labels[label])
    return None


def parse_namespace_map(text: str | None) -> dict[str, str]:
    """`ns=env,ns2=env2` (the --namespace-environment option and its env variable)."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        ns, eq, env = part.partition("=")
        if not eq or not ns.strip() or not env.strip():
            raise UsageError(f"bad namespace mapping {part!r}", hint="write ns=environment")
        out[ns.strip()] = normalize_environment(env)
    return out


@dataclass(frozen=True, slots=True)
class EnvironmentRule:
    label: str = DEFAULT_NAMESPACE_LABEL
    namespaces: Mapping[str, str] = field(default_factory=dict)

    def of(self, namespace: str, namespace_labels: Mapping[str, str],
           workload_labels: Mapping[str, str] | None = None) -> str | None:
        value = namespace_labels.get(self.label)
        if value:
            return normalize_environment(value)
        if namespace in self.namespaces:
            return self.namespaces[namespace]
        return from_workload_labels(workload_labels or {}) or from_namespace_name(namespace)
