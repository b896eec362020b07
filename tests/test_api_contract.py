"""/api/ against its own OpenAPI document, by schemathesis on a real waitress: no 500, every answer as documented."""

from __future__ import annotations

import json

import pytest
import schemathesis
from conftest import REPO, _wait_until_listening, free_port, server_environ, spawn_run_py, stop_process
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    """run.py over the starter library, and the document it serves at /api/openapi.json."""
    data = tmp_path_factory.mktemp("api-data")
    port = free_port()
    server = spawn_run_py(data, port, data.parent / "api-server.log", server_environ(), threads=24)
    try:
        assert _wait_until_listening(server, port, 60), server.output()
        yield schemathesis.openapi.from_url(f"{server.url}/api/openapi.json")
    finally:
        stop_process(server.proc)


@pytest.mark.parametrize(
    "operation", ["GET /api/search", "GET /api/suggest", "GET /api/openapi.json", "GET /api/admin/status"]
)
def test_every_api_answer_matches_the_document_and_none_is_a_server_error(api_schema, operation):
    method, path = operation.split(" ")
    strategy = api_schema[path][method].as_strategy()

    # schemathesis's pytest plugin does not run under this pytest; its strategies and checks do, through Hypothesis.
    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def answers_as_documented(case):
        case.call_and_validate()

    answers_as_documented()


def test_the_served_document_is_the_one_in_the_repository(api_schema):
    served = json.loads(json.dumps(api_schema.raw_schema))
    assert served == json.loads((REPO / "contentserver" / "views" / "openapi.json").read_text("utf-8"))
    assert set(served["paths"]) == {"/api/search", "/api/suggest", "/api/openapi.json", "/api/admin/status"}
