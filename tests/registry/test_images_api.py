"""`POST /v1/images` through the real service and a real worker process."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store import open_store

from ..support.oci import Registry
from ..support.oci_tools import OciTools
from ..support.service import make_token, start_service, start_worker


def test_images_are_fetched_by_the_queue(tmp_path: Path, referrers_registry: Registry,
                                         plain_tools: OciTools) -> None:
    repo = f"{referrers_registry.host}/api{uuid.uuid4().hex[:6]}/app"
    amd = plain_tools.push_image(f"{repo}-a:1", "api amd64", "linux/amd64")
    arm = plain_tools.push_image(f"{repo}-b:1", "api arm64", "linux/arm64")
    index = plain_tools.push_index(f"{repo}:2.0", [f"{repo}-a@{amd}", f"{repo}-b@{arm}"])
    env = {"PROVENANCE_INSECURE_REGISTRIES": referrers_registry.host,
           "PROVENANCE_REGISTRY_CACHE": str(tmp_path / "cache")}
    service = start_service(tmp_path, env=env)
    worker = start_worker(service.db_url, tmp_path / "worker.log", "--poll", "0.05", env=env)
    try:
        token = make_token(service.db_url, "writer", "ci")
        with service.client(token) as http:
            bad = http.post("/v1/images", json={"references": ["Not A Ref"]})
            assert bad.status_code == 422
            assert "references[0]" in bad.json()["detail"] + str(bad.json())
            reply = http.post("/v1/images", json={"references": [f"{repo}:2.0"]})
            assert reply.status_code == 202, reply.text
            job_url = reply.headers["Location"]
            deadline = time.monotonic() + 60
            job = http.get(job_url).json()
            while job["state"] not in ("done", "dead") and time.monotonic() < deadline:
                time.sleep(0.1)
                job = http.get(job_url).json()
        assert job["state"] == "done", job
        assert job["result"]["images"][0]["digest"] == index
    finally:
        worker.terminate()
        worker.wait(15)
        service.stop()
    store = open_store(service.db_url)
    try:
        contains = store.edges([EdgeKind.CONTAINS], src=[NodeRef(NodeKind.ARTIFACT, index)])
        assert {e.dst.key for e in contains} == {amd, arm}
    finally:
        store.close()
