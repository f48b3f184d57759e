"""Per-environment policies: stored, validated, admin-only and audited, and used by
`verify --environment` unless a policy file is given."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.access import audit
from provenance_linker.demo.samples import demo_images
from provenance_linker.documents import load
from provenance_linker.errors import ConfigError, Forbidden, NotFound, UsageError
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust import environment_policies as policies
from provenance_linker.trust.verifier import FAIL, PASS, verify_artifact

SBOM_ONLY = "all-of:\n  - sbom-present: {}\n"


def test_environment_policy_is_used_and_a_file_wins(store: GraphStore) -> None:
    image = demo_images()[1]
    Linker(store).ingest(load(orjson.dumps(image.document), "api.cdx.json"))
    ref = f"{image.name}@{image.digest}"
    # Unsigned: the default policy (signed-by …) fails everywhere at first.
    assert verify_artifact(store, ref, environment="production").result == FAIL
    described = policies.set_policy(store, "production", SBOM_ONLY, source="prod.yaml",
                                     actor="cli:ops", roles={"admin"})
    assert described["digest"] == policies.text_digest(SBOM_ONLY)
    prod = verify_artifact(store, ref, environment="production")
    assert prod.result == PASS
    assert prod.as_dict()["policy"] == {"source": "environment", "name": "production",
                                        "digest": described["digest"]}
    staging = verify_artifact(store, ref, environment="staging")
    assert staging.result == FAIL and staging.as_dict()["policy"]["source"] == "default"
    strict = policies.from_file("all-of:\n  - signed-by: {}\n", "strict.yaml")
    explicit = verify_artifact(store, ref, environment="production", policy=strict)
    assert explicit.result == FAIL and explicit.as_dict()["policy"]["name"] == "strict.yaml"
    assert [p["environment"] for p in policies.list_policies(store)] == ["production"]
    assert policies.get_policy(store, "production")["text"] == SBOM_ONLY
    policies.delete_policy(store, "production", actor="cli:ops", roles={"admin"})
    assert verify_artifact(store, ref, environment="production").result == FAIL
    actions = [(e.payload["action"], e.payload["outcome"])
               for e in store.read_log(audit.AUDIT_STREAM)]
    assert actions == [("policy.set", "ok"), ("policy.delete", "ok")]


def test_bad_or_unauthorised_changes_store_nothing(store: GraphStore) -> None:
    with pytest.raises(Forbidden):
        policies.set_policy(store, "production", SBOM_ONLY, source="p.yaml",
                            actor="token:reader", roles={"reader"})
    with pytest.raises(ConfigError, match="at least one check") as bad:
        policies.set_policy(store, "production", "any-of: []\n", source="p.yaml",
                            actor="cli:ops", roles={"admin"})
    assert bad.value.where == "p.yaml: any-of"
    with pytest.raises(ConfigError, match="not YAML"):
        policies.set_policy(store, "production", "all-of: [", source="p.yaml",
                            actor="cli:ops", roles={"admin"})
    with pytest.raises(UsageError, match="bad environment name"):
        policies.set_policy(store, "prod uction", SBOM_ONLY, source="p.yaml",
                            actor="cli:ops", roles={"admin"})
    with pytest.raises(NotFound):
        policies.get_policy(store, "production")
    with pytest.raises(NotFound):
        policies.delete_policy(store, "production", actor="cli:ops", roles={"admin"})
    assert policies.list_policies(store) == []
    refused = [e.payload for e in store.read_log(audit.AUDIT_STREAM)]
    assert [(p["action"], p["outcome"], p["actor"]) for p in refused] == [
        ("policy.set", "refused", "token:reader")]


def test_cli_policy_commands_drive_verify(tmp_path: Path, cli: Callable[..., Any]) -> None:
    image = demo_images()[1]
    sbom = tmp_path / "api.cdx.json"
    sbom.write_bytes(orjson.dumps(image.document))
    assert cli("ingest", "sbom", str(sbom)).code == 0
    ref = f"{image.name}@{image.digest}"
    assert cli("verify", "--artifact", ref, "--environment", "production").code == 1
    policy = tmp_path / "production.yaml"
    policy.write_text(SBOM_ONLY)
    assert cli("policy", "set", "production", str(policy)).code == 0
    result = cli("verify", "--artifact", ref, "--environment", "production", "--output", "json")
    assert result.code == 0
    assert json.loads(result.out)["policy"]["source"] == "environment"
    listed = json.loads(cli("policy", "list", "--output", "json").out)["policies"]
    assert [(p["environment"], p["source"]) for p in listed] == [("production", str(policy))]
    broken = tmp_path / "broken.yaml"
    broken.write_text("all-of:\n  - no-such-check: {}\n")
    refused = cli("policy", "set", "production", str(broken))
    assert refused.code == 2 and str(broken) in refused.err
    assert cli("verify", "--artifact", ref, "--environment", "production").code == 0
    assert cli("policy", "delete", "production").code == 0
    assert cli("verify", "--artifact", ref, "--environment", "production").code == 1
    assert cli("policy", "show", "production").code == 1


def test_shipped_policies_load() -> None:
    folder = Path(__file__).resolve().parents[2] / "deploy" / "policies"
    shipped = sorted(folder.glob("*.yaml"))
    assert shipped, "deploy/policies holds example policies"
    for path in shipped:
        choice = policies.from_file(path.read_text(), str(path))
        assert choice.check.name == "all-of" and choice.digest.startswith("sha256:")
