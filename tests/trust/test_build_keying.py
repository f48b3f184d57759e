"""Two provenance statements never merge into one Build unless they are the same build:
two jobs of one CI run share an invocation id but not their builder or subject."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provenance_linker.demo.samples import demo_images
from provenance_linker.demo.signing import dsse_envelope, generate_key, public_pem, slsa_provenance
from provenance_linker.model import NodeKind
from provenance_linker.store import open_store

RUN = "https://github.com/acme/payments/actions/runs/4242/attempts/1"
BUILDER_A = "https://github.com/acme/ci/.github/workflows/api.yml@refs/tags/v3"
BUILDER_B = "https://github.com/acme/ci/.github/workflows/web.yml@refs/tags/v3"
REPO = "https://github.com/acme/payments"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _policy(path: Path, builder: str) -> Path:
    escaped = re.escape(builder)
    path.write_text(f"all-of:\n  - signed-by: {{keys: [release]}}\n"
                    f"  - provenance: {{builders: ['{escaped}']}}\n")
    return path


def test_jobs_of_one_run_keep_their_own_builder(tmp_path: Path, cli: Callable[..., Any],
                                                sqlite_url: str) -> None:
    _, api, web = demo_images()
    key = generate_key("ecdsa-p256")
    (tmp_path / "release.pub").write_bytes(public_pem(key))
    assert cli("keys", "add", str(tmp_path / "release.pub"), "--name", "release").code == 0
    for image, builder in ((api, BUILDER_A), (web, BUILDER_B)):
        statement = slsa_provenance([(image.name, image.digest)], builder_id=builder,
                                    repository=REPO, commit=COMMIT, ref="refs/heads/main",
                                    invocation_id=RUN)
        path = tmp_path / f"{image.digest[7:19]}.dsse.json"
        path.write_bytes(dsse_envelope(key, statement))
        r = cli("ingest", "attestation", str(path), "-o", "json")
        assert r.code == 0, r.err
        assert r.json()["ingested"][0]["summary"]["valid"] == 1

    store = open_store(sqlite_url)
    try:
        builds = store.find(NodeKind.BUILD, {})
        assert sorted(b.props["builder_id"] for b in builds) == [BUILDER_A, BUILDER_B]
        assert {b.props["invocation_id"] for b in builds} == {RUN}
    finally:
        store.close()

    only_a, only_b = _policy(tmp_path / "a.yaml", BUILDER_A), _policy(tmp_path / "b.yaml",
                                                                      BUILDER_B)
    r = cli("verify", "--artifact", api.digest, "--policy", str(only_a), "-o", "json")
    assert r.code == 0, r.out
    prov = next(c for c in r.json()["checks"]["children"] if c["check"] == "provenance")
    assert [e["builder"] for e in prov["evidence"]] == [BUILDER_A]
    r = cli("verify", "--artifact", api.digest, "--policy", str(only_b), "-o", "json")
    assert r.code == 1 and r.json()["failure_reason"] == "provenance", r.out
    r = cli("verify", "--artifact", web.digest, "--policy", str(only_b), "-o", "json")
    assert r.code == 0, r.out
    r = cli("verify", "--artifact", web.digest, "--policy", str(only_a), "-o", "json")
    assert r.code == 1, r.out
