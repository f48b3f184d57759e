"""The policy each environment verifies against, kept in the store so every replica and
every operator uses the same one (`provenance-linker policy set production FILE`).

`verify --environment ENV` (and `GET /v1/verify?environment=ENV`) uses ENV's policy; an
explicit `--policy FILE` wins over it, and an environment without one uses the default
policy. Policies are validated before they are stored; setting or removing one needs the
admin role and is written to the audit trail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..access import audit
from ..errors import Forbidden, NotFound, UsageError
from ..store.interface import GraphStore
from .policy import DEFAULT_POLICY, Check, load_policy

COLLECTION = "trust.policies"
MAX_POLICY_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """The policy a verification used and where it came from."""

    check: Check
    source: str  # "file", "environment" or "default"
    name: str  # the file, the environment, or "default"
    digest: str  # sha256 of the policy text

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "name": self.name, "digest": self.digest}


def text_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=64)
def _parsed(text: str, where: str) -> Check:
    # Checks are immutable: one parse per policy text, not one per verification.
    return load_policy(text, where)


def from_file(text: str, path: str) -> PolicyChoice:
    return PolicyChoice(_parsed(text, path), "file", path, text_digest(text))


def default_choice() -> PolicyChoice:
    return PolicyChoice(_parsed(DEFAULT_POLICY, "default policy"), "default", "default",
                        text_digest(DEFAULT_POLICY))


def _check_name(environment: str) -> str:
    name = environment.strip()
    if not name or len(name) > 253 or any(c.isspace() or not c.isprintable() for c in name):
        raise UsageError(f"bad environment name {environment!r}",
                         hint="use the name deployments are labelled with, e.g. production")
    return name


def for_environment(store: GraphStore, environment: str | None) -> PolicyChoice:
    """ENV's stored policy, or the default one."""
    if environment:
        value = store.get_record(COLLECTION, environment.strip())
        if value is not None:
            return PolicyChoice(_parsed(value["text"], f"policy for {environment}"),
                                "environment", environment.strip(), value["digest"])
    return default_choice()


def set_policy(store: GraphStore, environment: str, text: str, *, source: str, actor: str,
               roles: set[str], now: datetime | None = None,
               source_ip: str | None = None) -> dict[str, Any]:
    name = _check_name(environment)
    if "admin" not in roles:
        audit.record(store, action="policy.set", actor=actor, outcome="refused",
                     environment=name, source_ip=source_ip)
        raise Forbidden("setting an environment's policy needs the admin role")
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise UsageError(f"policy is larger than {MAX_POLICY_BYTES // 1024} KiB", where=source)
    load_policy(text, source)  # refuse what `verify` could not use
    value = {"text": text, "digest": text_digest(text), "source": source, "set_by": actor,
             "set_at": (now or datetime.now(UTC)).isoformat()}
    audit.changed(store, action="policy.set", actor=actor, outcome="ok",
                  puts=[(COLLECTION, name, value)], environment=name,
                  digest=value["digest"], source=source, source_ip=source_ip)
    return describe(name, value)


def delete_policy(store: GraphStore, environment: str, *, actor: str,
                  roles: set[str], source_ip: str | None = None) -> None:
    name = _check_name(environment)
    if "admin" not in roles:
        audit.record(store, action="policy.delete", actor=actor, outcome="refused",
                     environment=name, source_ip=source_ip)
        raise Forbidden("removing an environment's policy needs the admin role")
    if store.get_record(COLLECTION, name) is None or not audit.changed(
            store, action="policy.delete", actor=actor, outcome="ok",
            deletes=[(COLLECTION, name)], environment=name, source_ip=source_ip)[0]:
        raise NotFound(f"no policy set for environment {name!r}",
                       hint="`provenance-linker policy list` shows the environments")


def get_policy(store: GraphStore, environment: str) -> dict[str, Any]:
    name = _check_name(environment)
    value = store.get_record(COLLECTION, name)
    if value is None:
        raise NotFound(f"no policy set for environment {name!r}",
                       hint="verification there uses the default policy; set one with "
                       "`provenance-linker policy set ENV FILE`")
    return {**describe(name, value), "text": value["text"]}


def list_policies(store: GraphStore) -> list[dict[str, Any]]:
    return [describe(name, value) for name, value in sorted(store.list_records(COLLECTION))]


def describe(environment: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"environment": environment, "digest": value["digest"], "source": value["source"],
            "set_by": value["set_by"], "set_at": value["set_at"]}
