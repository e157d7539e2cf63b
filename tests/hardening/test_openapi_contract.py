"""The OpenAPI document, run by schemathesis against the app: no request it can make, valid
or not, gets a 5xx or a status the document does not list. Bounded for CI: a few examples
per operation on SQLite (a minute or two), with an admin's token so the checks reach past
authentication."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from support.fixtures import make_workspace

EXAMPLES = 4   # per operation: 81 operations, each a handful of requests


@pytest.fixture
def api_schema(cli):
    from crowdcare.app import create_app

    return schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture
def admin_headers(cli) -> dict:
    return make_workspace(cli, "Contract").admin


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_undocumented_status(case, admin_headers):
    if case.path == "/api/v1/stream":   # a websocket: not an HTTP operation
        return
    case.call_and_validate(headers=admin_headers,
                           checks=[not_a_server_error, status_code_conformance])
