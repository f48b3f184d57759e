"""cosign's `Bundle` (a Rekor SignedEntryTimestamp): verified offline against the trusted
roots' log keys, it makes a key-signed signature count at the time the log integrated
it, not at ingest; a forged, altered or borrowed one makes the signature invalid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from provenance_linker.demo.signing import (
    cosign_signature_line,
    generate_key,
    public_pem,
    trusted_root_with_log,
)
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust.policy import load_policy
from provenance_linker.trust.trust_store import TrustStore
from provenance_linker.trust.verifier import verify_artifact

from .conftest import Clock

SIGNED_ONLY = load_policy("all-of:\n  - signed-by: {}\n")


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def digest(n: int) -> str:
    return "sha256:" + f"{n:064x}"


def signature_props(store: GraphStore, artifact: str) -> dict[str, Any]:
    edges = store.edges([EdgeKind.SIGNS], dst=[NodeRef(NodeKind.ARTIFACT, artifact)])
    assert len(edges) == 1
    node = store.get(edges[0].src)
    assert node is not None
    return node.props


def test_log_timestamp_decides_when_a_key_signed(tstore: GraphStore) -> None:
    clock = Clock("2026-03-01T00:00:00+00:00")
    trust = TrustStore(tstore, clock=clock)
    signer, log, rogue_log = (generate_key("ecdsa-p256") for _ in range(3))
    trust.add_key(public_pem(signer), "release.pub", name="release",
                  not_after="2026-03-10T00:00:00+00:00")
    trust.add_root("private-rekor", trusted_root_with_log(log, "https://rekor.acme.test"),
                   "rekor-root.json")
    in_window, too_late = epoch("2026-03-05T12:00:00+00:00"), epoch("2026-03-15T00:00:00+00:00")
    lines = {
        1: cosign_signature_line(signer, "app", digest(1), (log, in_window, 11)),
        2: cosign_signature_line(signer, "app", digest(2)),
        3: cosign_signature_line(signer, "app", digest(3), (log, too_late, 12)),
        4: cosign_signature_line(signer, "app", digest(4), (rogue_log, in_window, 13)),
    }
    altered = orjson.loads(cosign_signature_line(signer, "app", digest(5), (log, too_late, 14)))
    altered["Bundle"]["Payload"]["integratedTime"] = in_window  # backdated after signing
    lines[5] = orjson.dumps(altered)
    borrowed = orjson.loads(cosign_signature_line(signer, "app", digest(6)))
    borrowed["Bundle"] = orjson.loads(lines[1])["Bundle"]  # a real entry, another signature
    lines[6] = orjson.dumps(borrowed)

    clock.set("2026-03-20T00:00:00+00:00")  # the key has expired when these arrive
    linker = Linker(tstore, clock=clock)
    for n, line in lines.items():
        linker.ingest(load(line + b"\n", f"sig-{n}.jsonl"))
    props = {n: signature_props(tstore, digest(n)) for n in lines}

    assert props[1]["status"] == "valid", props[1]
    assert props[1]["signed_at"] == "2026-03-05T12:00:00+00:00"
    assert props[1]["log_index"] == 11 and "transparency log" in props[1]["reason"]
    assert props[2]["status"] == "invalid" and "expired" in props[2]["reason"]
    assert props[3]["status"] == "invalid" and "2026-03-15" in props[3]["reason"]
    assert props[4]["status"] == "invalid" and "no trusted root" in props[4]["reason"]
    assert props[5]["status"] == "invalid" and "does not verify" in props[5]["reason"]
    assert props[6]["status"] == "invalid" and "not for this signature" in props[6]["reason"]

    clock.set("2026-04-01T00:00:00+00:00")
    results = {n: verify_artifact(tstore, digest(n), policy=SIGNED_ONLY, clock=clock).result
               for n in lines}
    assert results == {1: "success", 2: "failure", 3: "failure", 4: "failure",
                       5: "failure", 6: "failure"}


def test_an_entry_index_beyond_int64_is_refused(tstore: GraphStore) -> None:
    """Rekor's integers are int64; a larger one is a malformed entry, not a crash."""
    signer, log = generate_key("ecdsa-p256"), generate_key("ecdsa-p256")
    TrustStore(tstore).add_root("private-rekor", trusted_root_with_log(
        log, "https://rekor.acme.test"), "rekor-root.json")
    line = cosign_signature_line(signer, "app", digest(7),
                                 (log, epoch("2026-03-05T12:00:00+00:00"), 1))
    huge = line.replace(b'"logIndex":1', b'"logIndex":' + str(2**64).encode())
    assert huge != line
    Linker(tstore).ingest(load(huge + b"\n", "sig-7.jsonl"))
    props = signature_props(tstore, digest(7))
    assert props["status"] == "invalid"
    assert "is not a Rekor SignedEntryTimestamp" in props["reason"]
