"""Property-based API test: schemathesis generates requests from the OpenAPI document of
the live service; no request may produce a 5xx, and every error is a problem body."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from ..support.service import Service


def test_no_server_errors(live: Service) -> None:
    schema = schemathesis.openapi.from_url(live.base_url + "/openapi.json")
    headers = {"Authorization": f"Bearer {live.tokens['admin']}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        checked.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_5xx(case: schemathesis.Case) -> None:
            response = case.call(headers=headers, timeout=30)
            assert response.status_code < 500, (case.method, case.path, response.text[:500])
            if response.status_code >= 400:
                assert response.headers["content-type"][0] == "application/problem+json"
                body = response.json()
                assert body["status"] == response.status_code and body["title"]
            assert response.headers["x-request-id"]

        no_5xx()
    assert "POST /v1/sboms" in checked and "GET /v1/trace" in checked
