"""/v1/policies over real HTTP: readers read, admins set and remove, bad policies are a
problem response that stores nothing, and /v1/verify uses the environment's policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..support.service import Service, demo_service

SBOM_ONLY = "all-of:\n  - sbom-present: {}\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = demo_service(tmp_path_factory.mktemp("policies"),
                           {"reader": "reader", "admin": "admin"})
    try:
        yield service
    finally:
        service.stop()


def test_policies_over_http_drive_verify(demo: Service) -> None:
    with demo.client(demo.tokens["reader"]) as reader, \
            demo.client(demo.tokens["admin"]) as admin:
        trace = reader.get("/v1/trace", params={"artifact": "registry.acme.test/storefront/web"})
        digest = trace.json()["artifact"]["digest"]
        query = {"artifact": digest, "environment": "production"}
        before = reader.get("/v1/verify", params=query).json()
        assert before["result"] == "failure" and before["policy"]["source"] == "default"

        refused = reader.put("/v1/policies/production", content=SBOM_ONLY)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        bad = admin.put("/v1/policies/production", content="all-of:\n  - nope: {}\n")
        assert 400 <= bad.status_code < 500, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert reader.get("/v1/policies").json() == {"policies": []}

        put = admin.put("/v1/policies/production", content=SBOM_ONLY,
                        headers={"Content-Type": "application/yaml"})
        assert put.status_code == 200, put.text
        assert put.json()["set_by"] == "token:a"
        assert reader.get("/v1/policies/production").json()["text"] == SBOM_ONLY
        after = reader.get("/v1/verify", params=query).json()
        assert after["result"] == "success"
        assert after["policy"] == {"source": "environment", "name": "production",
                                   "digest": put.json()["digest"]}

        assert reader.delete("/v1/policies/production").status_code == 403
        assert admin.delete("/v1/policies/production").status_code == 200
        assert admin.delete("/v1/policies/production").status_code == 404
        assert reader.get("/v1/verify", params=query).json()["result"] == "failure"
