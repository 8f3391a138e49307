"""Fuzzes every API operation from the OpenAPI document (schemathesis): whatever arrives, whoever sends
it, the answer is never a 5xx, and every 4xx has the standard error shape."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from tamin.accounts.models import ApiToken
from tamin.accounts.roles import Role
from tamin.wsgi import application


@pytest.fixture
def keep_test_connection():
    """Calls go through the WSGI handler, which closes the database connection after each request;
    the test's transaction lives on that connection, so keep it open (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
@pytest.mark.parametrize("role", [Role.BRANCH_STAFF, Role.INSURED, Role.ADMIN])
def test_no_server_errors(world, keep_test_connection, operation, role: str) -> None:
    token = ApiToken.issue(world.users[role])[1]
    headers = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
        if response.status_code >= 400:
            errors = response.json()["errors"]
            assert errors and all({"code", "message", "field"} <= set(e) for e in errors)

    check()
