"""The trust part of `provenance-linker demo`: a key generated now signs one image;
`verify` passes for it and fails for an unsigned one."""

from __future__ import annotations

from pathlib import Path

from ..demo.samples import GeneratedSbom
from ..demo.walkthrough import sign_and_ingest
from ..store.interface import GraphStore
from ..trust.verifier import verify_artifact
from .output import console
from .verify import _render


def demo_trust(store: GraphStore, images: list[GeneratedSbom], out: Path, db_url: str) -> None:
    console.rule("[bold]Signing and verification")
    signed = sign_and_ingest(store, images, out)
    console.print(f"generated key demo-release {signed.key['id'][:16]}… "
                  f"({signed.key['algorithm']}), public key in {signed.public_key}",
                  highlight=False)
    for item in signed.evidence:
        s = item.report.summary
        console.print(f"ingested {item.path} — {s['valid']} valid, {s['invalid']} invalid, "
                      f"{s['unverified']} unverified", highlight=False)
    for reference in signed.references:
        console.print()
        _render(verify_artifact(store, reference, policy=signed.policy,
                                environment="production").as_dict())
    console.print(f"\nTry: provenance-linker --db {db_url} verify --artifact "
                  f"{signed.ref} --policy {signed.policy_path}", highlight=False)
