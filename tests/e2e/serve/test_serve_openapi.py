"""schemathesis against the live service on loopback: every operation of /openapi.json, with
generated valid and invalid inputs (bounded: 20 examples per operation and kind, derandomized), answers
only documented status codes, content types and bodies matching the document, refuses calls
without the token, and never fails with a 500. A 503 is documented (a gate that could not
evaluate, a history that is unavailable) and so accepted as an answer."""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from schemathesis import BaseSchema, GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.support.serve import SAMPLE_JOB, Service, make_project, running_service
from validator.service.openapi import document

TOKEN = "openapi-test-token"
MAX_EXAMPLES = 20
CONFIG = {
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
    "headers": {"Authorization": f"Bearer {TOKEN}"},
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    project = make_project(tmp_path_factory.mktemp("serve-openapi"), {"training_events": SAMPLE_JOB})
    yield from running_service(project, token=TOKEN)


@pytest.fixture(scope="module")
def api_schema(service: Service) -> BaseSchema:
    return schemathesis.openapi.from_url(service.base + "/openapi.json",
                                         config=SchemathesisConfig.from_dict(CONFIG), timeout=60)


# (method, path, mode): valid inputs for every operation, invalid ones where there are inputs.
CASES = [(method.upper(), path, mode) for path, ops in document()["paths"].items()
         for method, op in ops.items()
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode is GenerationMode.POSITIVE or op["parameters"]]


@pytest.mark.parametrize(("method", "path", "mode"), CASES,
                         ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES])
def test_the_service_keeps_its_openapi_document(api_schema: BaseSchema, method: str, path: str,
                                                mode: GenerationMode) -> None:
    operation = api_schema[path][method]

    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def calls(case: schemathesis.Case) -> None:
        case.call_and_validate(timeout=300)

    calls()
