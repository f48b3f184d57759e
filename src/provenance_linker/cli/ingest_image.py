"""`ingest image REF...` and `ingest image --running`: registered on the `ingest` group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..config import RegistrySettings
from ..errors import UsageError
from ..registry import AccessOptions, open_client
from ..registry.fetch import FetchOptions, ImageIngest
from ..registry.reference import ImageRef, parse_image_ref
from ..store.interface import GraphStore
from .context import state
from .ingest import _render_summary, app
from .output import OUTPUT_OPTION, OutputFormat, console, emit

INSECURE_OPTION = typer.Option(
    [], "--insecure-registry", help="HOST[:PORT] that may be reached over plain HTTP or "
    "unverified TLS (repeatable; only the hosts named)")
CA_OPTION = typer.Option(None, "--ca-bundle", help="PEM file of CA certificates trusted "
                         "for registries (besides the system roots)")
DOCKER_CONFIG_OPTION = typer.Option(None, "--docker-config", help="docker config.json with "
                                    "auths / credHelpers (default: ~/.docker/config.json)")


def access_options(insecure: list[str], ca_bundle: Path | None,
                   docker_config: Path | None) -> AccessOptions:
    env = RegistrySettings.from_env()
    return AccessOptions(insecure_hosts=(*env.insecure_hosts, *insecure),
                         ca_bundle=str(ca_bundle) if ca_bundle else env.ca_bundle,
                         docker_config=docker_config, concurrency=env.concurrency,
                         slow_seconds=env.slow_seconds)


def fetch_and_ingest(store: GraphStore, images: list[ImageRef], access: AccessOptions,
                     options: FetchOptions) -> dict[str, Any]:
    client = open_client(access)
    try:
        results = ImageIngest(store, client, options).run(images)
    finally:
        client.transport.close()
    ingested = [item for r in results for item in r.ingested]
    refused = [item for r in results for item in r.refused]
    return {"images": [{k: v for k, v in r.as_dict().items() if k not in ("ingested",
                                                                           "refused")}
                       for r in results],
            "ingested": ingested, "refused": refused,
            "warnings": sum(len(i["warnings"]) for i in ingested)}


def _render(summary: dict[str, Any]) -> None:
    for image in summary["images"]:
        moved = f" (moved from {image['moved_from']})" if image["moved_from"] else ""
        console.print(f"{image['reference']}{moved}", highlight=False)
    _render_summary(summary)


@app.command("image")
def ingest_image(
    ctx: typer.Context,
    refs: list[str] = typer.Argument(None, help="HOST[:PORT]/REPOSITORY[:TAG] or "
                                     "…@sha256:HEX"),
    running: bool = typer.Option(False, "--running", help="every image that runs now "
                                 "(from the deployments in the graph)"),
    environment: str | None = typer.Option(None, "--environment", "-e",
                                           help="with --running: only this environment"),
    insecure: list[str] = INSECURE_OPTION,
    ca_bundle: Path | None = CA_OPTION,
    docker_config: Path | None = DOCKER_CONFIG_OPTION,
    strict: bool = typer.Option(False, "--strict", help="refuse SBOMs failing validation"),
    output: OutputFormat = OUTPUT_OPTION,
) -> None:
    """Fetch images' signatures, attestations and SBOMs from their registries (cosign
    tags, OCI referrers), verify and ingest them, linked to each image digest."""
    st = state(ctx)
    images = [parse_image_ref(r) for r in refs or []]
    if running:
        from ..registry.running import running_images  # the deployments' reader, only here

        images += running_images(st.store(), environment)
    elif environment:
        raise UsageError("--environment goes with --running")
    if not images and not running:
        raise UsageError("name at least one image, or pass --running",
                         hint="provenance-linker ingest image HOST/REPO:TAG")
    access = access_options(insecure, ca_bundle, docker_config)
    summary = fetch_and_ingest(st.store(), images, access,
                               FetchOptions(concurrency=access.concurrency, strict=strict,
                                            limits=st.settings.limits))
    emit(summary, output, _render)
    if summary["refused"]:
        raise typer.Exit(1)
