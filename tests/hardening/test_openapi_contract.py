"""The OpenAPI document, run by schemathesis against the app: no request it can make, valid
or not, gets a 5xx or a status the document does not list. Bounded for CI: a few examples
per operation on SQLite (a minute or two), with an admin's token (an advocate's where only
advocates may go) so the checks reach past authentication."""
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
def people(cli) -> tuple[dict, dict]:
    """An admin's headers, and an advocate's for the operations only advocates may use."""
    ws = make_workspace(cli, "Contract")
    cli("agent", "add", "sam@contract.test", "--role", "advocate", "-w", str(ws.id))
    token = cli.json("token", "create", "--agent", "sam@contract.test")["token"]
    return ws.admin, {"Authorization": f"Bearer {token}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_undocumented_status(case, people):
    if case.path == "/api/v1/stream":   # a websocket: not an HTTP operation
        return
    admin, advocate = people
    response = case.call(headers=admin)
    if response.status_code == 403:   # the advocates' API: past the role check too
        response = case.call(headers=advocate)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
