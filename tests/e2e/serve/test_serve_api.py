"""The HTTP API on uvicorn beyond the original endpoints: the bearer scheme in any case, the
query form of the gate, the run id a triggered run answers (polled at /runs/{id} to completion,
the id of the run in the history: `dqv show` finds it),
/runs/{run_id} of the history, the request-size limits, and /openapi.json naming every route."""

from __future__ import annotations

import http.client
import json
import pathlib
from collections.abc import Iterator

import pytest

from tests.conftest import dqv
from tests.support.serve import SAMPLE_JOB, Service, make_project, running_service, wait_for
from validator.history import open_store
from validator.service.http import ROUTES

TOKEN = "api-test-token"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    project = make_project(tmp_path_factory.mktemp("serve-api"), {"training_events": SAMPLE_JOB})
    yield from running_service(project, token=TOKEN)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_accepted_in_any_case(service: Service, scheme: str) -> None:
    assert service.get("/jobs", scheme=scheme)[0] == 200
    assert service.get("/jobs", scheme="Basic")[0] == 401
    assert service.get("/jobs", token=TOKEN.upper(), scheme=scheme)[0] == 401  # the token is exact


def test_the_query_form_of_the_gate_answers_like_the_path_form(service: Service) -> None:
    status, by_path = service.get("/gate/training_events?ds=2026-11-08")
    assert status == 409 and by_path["outcome"] == "block", by_path
    status, by_query = service.get("/gate?job=training_events&ds=2026-11-08")
    assert status == 409, by_query
    assert (by_query["run_id"], by_query["answered_from"]) == (by_path["run_id"], "history")
    assert by_query["blocking"] == by_path["blocking"]
    assert service.get("/gate?job=nope&ds=2026-11-08")[0] == 404
    assert service.get("/gate?ds=2026-11-08")[0] == 400
    assert service.get("/gate?job=training_events&ds=2026-13-45")[0] == 400
    assert service.get("/gate?job=training_events&ds=2026-11-08", token=None)[0] == 401


def test_a_triggered_run_answers_its_run_id_polled_to_completion(service: Service) -> None:
    status, accepted = service.request("POST", "/jobs/training_events/run?ds=2026-11-06")
    assert status == 202, accepted
    assert accepted["poll"] == f"/runs/{accepted['id']}" and accepted["ds"] == "2026-11-06"
    run_id = accepted["run_id"]
    assert accepted["id"] == run_id
    seen_states = set()

    def finished() -> dict[str, object] | None:
        code, run = service.get(accepted["poll"])
        assert code == 200 and run["run_id"] == run_id, run  # queued and running too
        seen_states.add(run["state"])
        return run if run["state"] == "finished" else None

    run = wait_for("the triggered run to finish", finished)
    assert seen_states <= {"queued", "running", "finished"}
    assert (run["job"], run["ds"], run["trigger"], run["outcome"]) == (
        "training_events", "2026-11-06", "manual", "warn")
    assert run["run_id"] == run_id  # the id answered at once is the run's id in the history
    record = open_store(service.artifact_root).get(run_id)
    assert record is not None and record.ds == "2026-11-06" and record.outcome is not None
    assert run["ended_at"] == record.ended_at and record.outcome.value == "warn"
    # A run of the history is found by its run id too.
    status, by_run_id = service.get(f"/runs/{run['run_id']}")
    assert status == 200 and (by_run_id["state"], by_run_id["outcome"]) == ("finished", "warn")
    assert service.get("/runs/req-0000000000000000")[0] == 404
    shown = dqv("show", run_id, "--json", "--artifact-root", str(service.artifact_root),
                check_exit=0)
    shown_run = json.loads(shown.stdout)["run"]
    assert (shown_run["run_id"], shown_run["ds"], shown_run["outcome"]) == (
        run_id, "2026-11-06", "warn")
    assert service.get(accepted["poll"], token=None)[0] == 401


def _raw(service: Service, method: str, path: str, headers: dict[str, str], body: bytes = b"",
          ) -> int:
    """The status of one request as sent, or -1 if the server closed the connection."""
    host, port = service.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        return conn.getresponse().status
    except ConnectionError:  # the server closed the connection on a request it refuses
        return -1
    finally:
        conn.close()


def test_request_size_limits(service: Service) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert _raw(service, "POST", "/jobs/training_events/run?ds=2026-11-04", auth, b"x" * 4096) == 413
    assert _raw(service, "GET", "/healthz", {"X-Pad": "y" * 20 * 1024}) == 431
    assert _raw(service, "GET", "/healthz", {"X-Pad": "y" * 1024 * 1024}) in (-1, 400, 431)
    days = {r.ds for r in open_store(service.artifact_root).runs("training_events")}
    assert "2026-11-04" not in days  # the refused request ran nothing
    assert service.get("/healthz")[0] == 200  # and the service is fine


def test_openapi_describes_every_route(service: Service) -> None:
    status, doc = service.get("/openapi.json", token=None)
    assert status == 200 and doc["openapi"].startswith("3.1")
    routes = {(path, method.lower()) for path, method, _ in ROUTES}
    reports = {("/reports", "get"), ("/reports/{rest:path}", "get")}
    assert reports <= routes
    documented = routes - reports | {("/reports/", "get"), ("/reports/{day}", "get"),
                                     ("/reports/artifacts/{run_id}/{kind}", "get")}
    assert {(path, method) for path, ops in doc["paths"].items() for method in ops} == documented
    gate = doc["paths"]["/gate/{job}"]["get"]
    assert set(gate["responses"]) == {"200", "400", "401", "404", "409", "503"}
    assert {p["name"] for p in gate["parameters"]} == {"job", "ds", "max_age"}
    assert doc["paths"]["/healthz"]["get"]["security"] == []  # no token needed
    assert pathlib.Path(service.log_path).read_text().count(TOKEN) == 0


def test_unknown_paths_and_methods(service: Service) -> None:
    assert service.get("/nope")[0] == 404
    assert service.get("/jobs/training_events/run")[0] == 405
    assert service.request("POST", "/jobs/nope/run")[0] == 404
    assert service.request("POST", "/jobs/training_events/run?ds=someday")[0] == 400
