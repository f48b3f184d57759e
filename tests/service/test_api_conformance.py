"""API conformance with each role's token: schemathesis generates requests for every
operation of the live service's /openapi.json; no answer is a 5xx, every status is one the
document lists for that operation, and every error is the documented problem body."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ..support.service import Service

ROLES = ["anonymous", "reader", "writer", "admin"]
EXAMPLES = 6  # per operation and role: bounded for the suite


def _documented(operation: Any) -> set[str]:
    return {str(code) for code in operation.definition.raw.get("responses", {})}


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_documented_and_never_a_server_error(live: Service, role: str) -> None:
    schema = schemathesis.openapi.from_url(live.base_url + "/openapi.json")
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {live.tokens[role]}"}
    seen: set[int] = set()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case) -> None:
            response = case.call(headers=headers, timeout=30)
            where = (role, case.method, case.formatted_path, response.status_code)
            documented = _documented(case.operation)
            seen.add(response.status_code)
            assert response.status_code < 500, (where, response.text[:300])
            assert str(response.status_code) in documented, (where, sorted(documented))
            assert response.headers["x-request-id"]
            if response.status_code >= 400:
                assert response.headers["content-type"][0] == "application/problem+json", where
                body = response.json()
                assert body["status"] == response.status_code, where
                assert isinstance(body["title"], str) and isinstance(body["detail"], str)

        conforms()
    assert operations >= 15
    if role == "anonymous":
        assert 401 in seen

