"""`provenance-linker verify --artifact REF`: pass/fail with the evidence.

Exit 0 on pass (or bypassed), 1 on fail, 2 on error (bad policy, unknown artifact)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..errors import ConfigError, ProvenanceError, RegistryError, VerificationError
from ..queries.reports_csv import verify_csv
from ..queries.reports_sarif import verify_sarif
from ..registry import AccessOptions
from ..registry.fetch import FetchOptions
from ..registry.targets import image_for_artifact
from ..trust.environment_policies import from_file
from ..trust.policy import CheckResult
from ..trust.verifier import verify_artifact
from .context import state
from .ingest_image import (
    CA_OPTION,
    DOCKER_CONFIG_OPTION,
    INSECURE_OPTION,
    access_options,
    fetch_and_ingest,
)
from .output import REPORT_OUTPUT_OPTION, ReportFormat, console, emit_report, err_console


def _render(data: dict[str, Any]) -> None:
    colour = {"success": "green", "failure": "red", "bypassed": "yellow"}[data["result"]]
    console.print(f"[bold]{data['artifact']}[/] {data['digest']}", highlight=False)

    def walk(check: dict[str, Any], depth: int) -> None:
        mark = "[green]PASS[/]" if check["passed"] else "[red]FAIL[/]"
        console.print(f"{'  ' * depth}{mark} {check['check']}: {check['detail']}",
                      highlight=False)
        for item in check["evidence"][:10]:
            console.print(f"{'  ' * (depth + 2)}- " + ", ".join(
                f"{k}={v}" for k, v in item.items() if v is not None), highlight=False)
        for child in check["children"]:
            walk(child, depth + 1)

    if data.get("policy"):
        console.print(f"policy: {data['policy']['source']} {data['policy']['name']}",
                      highlight=False)
    walk(data["checks"], 0)
    if data["bypass"]:
        console.print(f"[yellow]verification bypass active until {data['bypass']['expires_at']}"
                      f": {data['bypass']['reason']}[/]", highlight=False)
    console.print(f"result: [bold {colour}]{data['result']}[/]", highlight=False)


def refresh_artifact(ctx: typer.Context, artifact: str, access: AccessOptions) -> str:
    """Re-fetch the artifact's evidence; return the reference to judge (the digest the
    registry has now, for a tag)."""
    st = state(ctx)
    image = image_for_artifact(st.store(), artifact)
    summary = fetch_and_ingest(st.store(), [image], access,
                               FetchOptions(concurrency=access.concurrency,
                                            limits=st.settings.limits))
    digest = summary["images"][0]["digest"]
    for item in summary["refused"]:
        err_console.print(f"[yellow]warning:[/] refresh: {item['error']}", highlight=False)
    if digest is None:
        first = summary["refused"][0] if summary["refused"] else {"error": "nothing fetched"}
        raise RegistryError(f"cannot refresh {artifact}: {first['error']}",
                            hint=first.get("hint") or None)
    return f"{image.name}@{digest}"


def verify(
    ctx: typer.Context,
    artifact: str = typer.Option(..., "--artifact", help="NAME@sha256:HEX, sha256:HEX or "
                                 "a known NAME:TAG"),
    environment: str | None = typer.Option(None, "--environment", "-e"),
    policy: Path | None = typer.Option(None, "--policy", help="YAML policy file (default: "
                                       "the environment's policy, `policy set`, else "
                                       "docs/trust.md#default-policy)"),
    refresh: bool = typer.Option(False, "--refresh", help="re-fetch the artifact's "
                                 "signatures, attestations and SBOMs from its registry first"),
    insecure: list[str] = INSECURE_OPTION,
    ca_bundle: Path | None = CA_OPTION,
    docker_config: Path | None = DOCKER_CONFIG_OPTION,
    output: ReportFormat = REPORT_OUTPUT_OPTION,
) -> None:
    """Verify an artifact against a policy, over the evidence stored at ingest."""
    try:
        if refresh:
            artifact = refresh_artifact(ctx, artifact,
                                        access_options(insecure, ca_bundle, docker_config))
        check = None
        if policy is not None:
            try:
                text = policy.read_text()
            except OSError as exc:
                raise ConfigError(f"cannot read policy: {exc.strerror}", where=str(policy)
                                  ) from exc
            check = from_file(text, str(policy))
        report = verify_artifact(state(ctx).store(), artifact, policy=check,
                                 environment=environment)
    except ProvenanceError as exc:
        # Anything that stops verification from answering is an error (exit 2).
        error = VerificationError(exc.message, where=exc.where, hint=exc.hint)
        raise error from exc
    emit_report(report.as_dict(), output, _render, sarif=verify_sarif, csv=verify_csv)
    if report.exit_code:
        if environment:  # operations (#17): subscribers hear of failures in an environment
            from datetime import UTC, datetime

            from ..ops import notify

            data = report.as_dict()
            notify.deliver(state(ctx).store(), "verification_failed", {
                "artifact_name": str(data.get("artifact")), "digest": data.get("digest"),
                "environment": environment, "failure_reason": data.get("failure_reason")},
                clock=lambda: datetime.now(UTC))
        raise typer.Exit(report.exit_code)


__all__ = ["CheckResult", "verify"]
