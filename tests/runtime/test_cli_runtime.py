"""The runtime CLI: query running/history, --at, --scope, quarantine; bad input is a clear
error that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from .helpers import deployment, digest_of, listing

WEB = digest_of("cli-web")


def _write(tmp_path: Path, name: str, obj: Any) -> str:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(obj))
    return str(path)


def test_running_history_and_at(cli: Callable[..., Any], tmp_path: Path) -> None:
    snap = _write(tmp_path, "a.json", listing(deployment("web", "shop-prod",
                                                         f"reg.test/web@{WEB}")))
    result = cli("ingest", "deployments", snap, "--output", "json")
    assert result.code == 0, result.err
    running = cli("query", "running", "--artifact", f"reg.test/web@{WEB}", "-o", "json").json()
    assert running["workloads"] == 1
    assert running["running"][0]["deployment"] == "default/shop-prod/Deployment/web"
    since = running["running"][0]["since"]
    empty = _write(tmp_path, "b.json", deployment("web", "shop-prod", f"reg.test/web@{WEB}",
                                                  replicas=0))
    assert cli("ingest", "deployments", empty, "--scope", "workloads").code == 0
    assert cli("query", "running", "--artifact", WEB, "-o", "json").json()["workloads"] == 0
    hist = cli("query", "history", "--deployment", "shop-prod/Deployment/web", "-o",
               "json").json()
    assert [h["end_reason"] for h in hist["history"]] == ["scaled to 0"]
    then = cli("query", "unsigned", "--at", since, "-o", "json").json()
    assert [r["deployment"] for r in then] == ["web"]
    assert cli("query", "unsigned", "-o", "json").json() == []


def test_bad_input_is_a_clear_error(cli: Callable[..., Any], tmp_path: Path) -> None:
    bad_at = cli("query", "unsigned", "--at", "yesterday")
    assert bad_at.code == 2 and "--at" in bad_at.err and "ISO 8601" in bad_at.err
    bad_dep = cli("query", "history", "--deployment", "web")
    assert bad_dep.code == 2 and "NAMESPACE/KIND/NAME" in bad_dep.err
    two = _write(tmp_path, "two.json", listing(deployment("a", "x", f"r/a@{WEB}"),
                                               deployment("b", "y", f"r/b@{WEB}")))
    scoped = cli("ingest", "deployments", two, "--scope", "namespace")
    assert scoped.code != 0 and "exactly one namespace" in scoped.out + scoped.err
    unknown = cli("query", "running", "--artifact", WEB)  # the refused snapshot left nothing
    assert unknown.code == 1 and "no artifact" in unknown.err
    assert cli("quarantine", "add", "--package", "not a purl", "--reason", "x").code != 0
    assert cli("quarantine", "add", "--artifact", WEB, "--reason", "  ").code != 0
    assert cli("quarantine", "list", "-o", "json").json() == []


def test_quarantine_cli(cli: Callable[..., Any], tmp_path: Path) -> None:
    snap = _write(tmp_path, "a.json", listing(deployment("web", "shop-prod",
                                                         f"reg.test/web@{WEB}")))
    assert cli("ingest", "deployments", snap).code == 0
    added = cli("quarantine", "add", "--artifact", f"reg.test/web@{WEB}", "--reason",
                "incident 7", "-o", "json")
    assert added.code == 0, added.err
    entry = added.json()
    assert entry["target"] == WEB and entry["to_drain"][0]["name"] == "web"
    listed = cli("quarantine", "list", "-o", "json").json()
    assert [e["id"] for e in listed] == [entry["id"]]
    assert cli("quarantine", "remove", entry["id"]).code == 0
    assert cli("quarantine", "remove", entry["id"]).code == 1
    assert cli("quarantine", "list", "-o", "json").json() == []
