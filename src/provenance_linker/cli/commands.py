"""The command table: every top-level command, the modules that define it and the summary
the top-level help lists. Read without importing any command (start-up time): a command's
modules are imported only when it runs (`cli/lazy.py`), and `--version`/`--help` need none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

APP_HELP = ("Link SBOMs, signatures, attestations, advisories and deployments into one "
            "provenance graph, and answer with evidence.")
DB_HELP = ("graph store URL: sqlite:///path.db (default under the user data dir) or "
           "neo4j://host:7687")
DB_ENVVAR = "PROVENANCE_DB"
DEBUG_HELP = "show tracebacks"
VERSION_HELP = "print the version and exit"


class CommandEntry(NamedTuple):
    name: str
    modules: tuple[str, ...]  # cli modules to import, in order; the first defines `attr`
    attr: str  # a typer.Typer (a group) or a command function
    summary: str  # the start of the command's help (a test keeps them equal)


COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("demo", ("demo",), "demo",
                 "Generate a sample dataset, ingest it and print real answers."),
    CommandEntry("serve", ("serve",), "serve",
                 "Serve the REST API (/v1, /healthz, /readyz, /metrics, /docs)."),
    CommandEntry("worker", ("queue",), "worker",
                 "Process uploaded documents from the queue (component sbom-processor)."),
    CommandEntry("verify", ("verify",), "verify",
                 "Verify an artifact against a policy, over the evidence stored at ingest."),
    CommandEntry("watch-cluster", ("runtime_cmd",), "watch_cluster",
                 "Keep the store's workload facts equal to a cluster (list, then watch)."),
    CommandEntry("backup", ("backup_cmd",), "backup",
                 "Snapshot the whole store (graph, evidence, trust store, policies, tokens, "
                 "blocks, bypasses, audit trail, ledger, queue) while writes continue."),
    CommandEntry("restore", ("backup_cmd",), "restore",
                 "Check the archive whole, restore it into an empty store (SQLite or Neo4j), "
                 "and prove the result by the archive's content digest."),
    # A group's modules: the first defines the group, the rest add commands to it.
    CommandEntry("ingest", ("ingest", "ingest_evidence", "ingest_image"), "app",
                 "Load SBOMs, advisories, attestations, signatures and deployments."),
    CommandEntry("query", ("query", "query_unsigned", "query_vulns", "runtime_cmd",
                           "query_portfolio"), "app",
                 "Ask the graph: trace, diff, vulnerabilities, blast radius."),
    CommandEntry("store", ("store_cmd",), "app",
                 "Manage the graph store: migrate, stats, copy."),
    CommandEntry("queue", ("queue",), "app",
                 "The SBOM processing queue: status, jobs, retries, stuck jobs."),
    CommandEntry("tokens", ("tokens_cmd",), "app",
                 "API tokens: create (printed once), list, revoke."),
    CommandEntry("auth", ("auth_cmd",), "app",
                 "Block or unblock a source IP/CIDR or a user (token name)."),
    CommandEntry("audit", ("audit_cmd",), "app",
                 "The audit trail: who changed provenance data, and a tamper check."),
    CommandEntry("throttle", ("throttle_cmd",), "app",
                 "Per-token and per-IP request throttling (all replicas, within 1 s)."),
    CommandEntry("keys", ("keys",), "app",
                 "Trusted keys, keyless identities and Sigstore trusted roots."),
    CommandEntry("bypass", ("bypass_cmd",), "app",
                 "Emergency signature-verification bypass (time-boxed, audited)."),
    CommandEntry("policy", ("policy_cmd",), "app",
                 "Verification policies per environment (used by `verify --environment ENV`)."),
    CommandEntry("quarantine", ("runtime_cmd",), "quarantine_app",
                 "Artifacts, packages or vulnerabilities that must not run."),
    CommandEntry("feeds", ("feeds",), "app",
                 "Advisory feeds: pull OSV archives from a mirror."),
    CommandEntry("export", ("export_cmd",), "app",
                 "Export VEX statements and incident reports."),
    CommandEntry("integrity", ("integrity_cmd",), "app",
                 "Detect provenance data added, edited or deleted outside the system."),
    CommandEntry("notify", ("notify_cmd",), "app",
                 "Outbound webhooks for affected workloads, verification failures, malicious "
                 "packages and integrity violations."),
)
BY_NAME = {entry.name: entry for entry in COMMANDS}


def top_level_help(prog: str = "provenance-linker", width: int = 80) -> str:
    """The top-level `--help`, in plain text, from this table alone."""
    options = (("--db TEXT", f"{DB_HELP} [env var: {DB_ENVVAR}]"),
               ("--debug", DEBUG_HELP), ("--version", VERSION_HELP),
               ("--help", "Show this message and exit."))
    lines = [f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...", "", *_wrap(APP_HELP, width, 2), "",
             "Options:"]
    lines += _columns(options, width)
    lines += ["", "Commands:"]
    lines += _columns([(e.name, e.summary) for e in COMMANDS], width)
    return "\n".join(lines) + "\n"


def _columns(rows: Sequence[tuple[str, str]], width: int) -> list[str]:
    left = max(len(name) for name, _ in rows) + 4
    out: list[str] = []
    for name, text in rows:
        wrapped = _wrap(text, width, left)
        out.append(f"  {name.ljust(left - 2)}{wrapped[0].lstrip()}")
        out += wrapped[1:]
    return out


def _wrap(text: str, width: int, indent: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and indent + len(line) + 1 + len(word) > width:
            lines.append(" " * indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(" " * indent + line)
    return lines
