"""What runs now: `watch-cluster`, `query running`, `query history`, `quarantine …`."""

from __future__ import annotations

import getpass
import signal
from typing import Any

import typer

from ..queries.running import history, running_artifact
from ..runtime import quarantine_ops as q
from ..runtime.environments import DEFAULT_NAMESPACE_LABEL, EnvironmentRule, parse_namespace_map
from ..runtime.watch import ClusterWatcher, WatchOptions, api_client
from ..telemetry import events
from ..telemetry import logging as tlog
from .context import state
from .output import OUTPUT_OPTION, OutputFormat, console, emit, table
from .query import app as query_app

quarantine_app = typer.Typer(help="Artifacts, packages or vulnerabilities that must not run.",
                             no_args_is_help=True)
CLI_ROLES = {"admin"}  # the CLI operator holds the store


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@query_app.command("running")
def running_command(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", "-a",
                                 help="NAME@sha256:HEX, sha256:HEX or NAME:TAG"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Where an artifact runs now: workloads, containers, environments, since when."""
    def render(data: dict[str, Any]) -> None:
        console.print(table(f"{data['artifact']} runs in {data['workloads']} workloads",
                            ["deployment", "environment", "container", "since"],
                            [[r["deployment"], r["environment"], r["container"], r["since"]]
                             for r in data["running"]]))

    emit(running_artifact(state(ctx).store(), artifact), output, render)


@query_app.command("history")
def history_command(
    ctx: typer.Context,
    deployment: str = typer.Option(..., "--deployment", "-d", help="NAMESPACE/KIND/NAME"),
    cluster: str = typer.Option("default", "--cluster"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """What a workload ran, when: every interval with its images and why it ended."""
    def render(data: dict[str, Any]) -> None:
        console.print(table(f"History of {data['deployment']}",
                            ["since", "until", "images", "ended because"],
                            [[h["since"], h["until"] or "(running)",
                              ", ".join(f"{i['image']}@{i['digest'] or '?'}"
                                        for i in h["images"]), h["end_reason"] or ""]
                             for h in data["history"]]))

    emit(history(state(ctx).store(), deployment, cluster), output, render)


def watch_cluster(
    ctx: typer.Context,
    kubeconfig: str | None = typer.Option(None, "--kubeconfig", envvar="KUBECONFIG",
                                          help="kubeconfig file (default ~/.kube/config)"),
    context: str | None = typer.Option(None, "--context", help="kubeconfig context"),
    in_cluster: bool = typer.Option(False, "--in-cluster",
                                    help="use the pod's service account"),
    cluster: str = typer.Option("default", "--cluster", envvar="PROVENANCE_CLUSTER",
                                help="the name workload keys carry"),
    namespace_label: str = typer.Option(DEFAULT_NAMESPACE_LABEL, "--namespace-label",
                                        envvar="PROVENANCE_NAMESPACE_LABEL",
                                        help="namespace label naming its environment"),
    namespace_environment: str | None = typer.Option(
        None, "--namespace-environment", envvar="PROVENANCE_NAMESPACE_ENVIRONMENTS",
        help="ns=env,ns2=env2 for namespaces without the label"),
) -> None:
    """Keep the store's workload facts equal to a cluster (list, then watch)."""
    st = state(ctx)
    # A long-running service logs its workload events, like `serve` and `worker`.
    tlog.configure(events.COMPONENT_WATCHER, level="DEBUG" if st.debug else "INFO",
                   slow_query_seconds=st.settings.slow_query_seconds)
    options = WatchOptions(cluster=cluster, rule=EnvironmentRule(
        namespace_label, parse_namespace_map(namespace_environment)))
    watcher = ClusterWatcher(state(ctx).store(), api_client(kubeconfig, context, in_cluster),
                             options)
    signal.signal(signal.SIGTERM, lambda *_: watcher.stop())
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()


def _render_entries(data: list[dict[str, Any]]) -> None:
    console.print(table("Quarantine", ["id", "kind", "target", "reason", "to drain"],
                        [[e["id"], e["kind"], e["target"], e["reason"],
                          ", ".join(w["deployment"] for w in e["to_drain"]) or "-"]
                         for e in data]))


@quarantine_app.command("add")
def quarantine_add(
    ctx: typer.Context,
    artifact: str | None = typer.Option(None, "--artifact", help="artifact reference"),
    package: str | None = typer.Option(None, "--package", help="package URL"),
    vulnerability: str | None = typer.Option(None, "--vulnerability", help="advisory id"),
    reason: str = typer.Option(..., "--reason", help="why (kept in the audit trail)"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Quarantine an artifact, a package or a vulnerability: it fails every policy."""
    given = [(k, v) for k, v in (("artifact", artifact), ("package", package),
                                 ("vulnerability", vulnerability)) if v]
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --artifact, --package, --vulnerability")
    kind, value = given[0]
    entry = q.add(state(ctx).store(), kind, value, reason, actor=_actor(), roles=CLI_ROLES)
    emit(entry, output, lambda e: _render_entries([e]))


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Every quarantine, with the running workloads to drain."""
    emit(q.list_entries(state(ctx).store()), output, _render_entries)


@quarantine_app.command("remove")
def quarantine_remove(ctx: typer.Context, ident: str = typer.Argument(..., help="q-…")) -> None:
    """Lift a quarantine (admin)."""
    q.remove(state(ctx).store(), ident, actor=_actor(), roles=CLI_ROLES)
    console.print(f"removed {ident}")
