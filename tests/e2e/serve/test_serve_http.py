"""`dqv serve` as a real subprocess with a bearer token: scheduled runs happen (every few
seconds), /jobs, /healthz, /metrics and /gate answer correctly, a run can be triggered, and
requests without the token are refused."""

from __future__ import annotations

import datetime as dt
import itertools
import pathlib
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.serve import SAMPLE_JOB, Service, make_project, running_service, scheduled_job, wait_for
from validator.history import open_store

TOKEN = "s3cret-test-token"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    today = _today()
    days = [today + dt.timedelta(days=n) for n in (-2, -1, 0, 1)]
    project = make_project(tmp_path_factory.mktemp("serve"), {
        "ticker": scheduled_job("ticker", "*/4 * * * * *"),
        "training_events": SAMPLE_JOB,
    }, days)
    yield from running_service(project, "--workers", "2", token=TOKEN)


def test_scheduled_runs_happen_without_overlap(service: Service) -> None:
    wait_for("two scheduled runs of ticker",
             lambda: (service.metric("dqv_service_runs_total", job="ticker", outcome="pass",
                                     trigger="schedule") or 0) >= 2)
    runs = [r for r in open_store(service.artifact_root).runs("ticker") if r.is_finished]
    assert len(runs) >= 2
    # The ds is derived from the schedule: the fire's UTC date minus one day.
    expected = {(d - dt.timedelta(days=1)).isoformat() for d in (_today(), _today() - dt.timedelta(days=1))}
    assert {r.ds for r in runs} <= expected
    assert {r.outcome.value for r in runs if r.outcome} == {"pass"}
    for earlier, later in itertools.pairwise(runs):
        assert earlier.ended_at is not None and earlier.ended_at <= later.started_at, \
            "two runs of one job overlapped"


def test_jobs_shows_last_and_next_run(service: Service) -> None:
    ticker = wait_for("a finished ticker run in /jobs",
                      lambda: (j := service.job("ticker"))["last_run"] and j)
    assert ticker["schedule"]["cron"] == "*/4 * * * * *"
    assert ticker["outcome"] == "pass"
    assert ticker["last_run"]["outcome"] == "pass"
    assert ticker["last_run"]["trigger"] == "schedule"
    assert ticker["next_run"] > ticker["last_run"]["started_at"]
    unscheduled = service.job("training_events")
    assert unscheduled["schedule"] is None and unscheduled["next_run"] is None


def test_healthz_and_metrics_need_no_token(service: Service) -> None:
    status, health = service.get("/healthz", token=None)
    assert status == 200
    assert health["status"] == "ok" and health["jobs"] == 2 and health["config_error"] is None
    with urllib.request.urlopen(service.base + "/healthz", timeout=60) as resp:
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    wait_for("ticker's job metrics",
             lambda: service.metric("dqv_run_outcome", job="ticker", outcome="pass") == 1.0)
    assert service.metric("dqv_service_jobs") == 2.0
    assert service.metric("dqv_service_running_jobs") is not None
    assert (service.metric("dqv_service_last_run_timestamp_seconds", job="ticker") or 0) > 0
    assert (service.metric("dqv_service_next_run_timestamp_seconds", job="ticker") or 0) > 0
    assert service.metric("dqv_run_rows_read", job="ticker") == 2000.0


def test_gate_over_http(service: Service) -> None:
    status, verdict = service.get("/gate/training_events?ds=2026-11-01")
    assert status == 200, verdict
    assert (verdict["outcome"], verdict["may_train"], verdict["blocking"]) == ("pass", True, [])
    run_id = verdict["run_id"]
    status, again = service.get("/gate/training_events?ds=2026-11-01")
    assert (status, again["answered_from"], again["run_id"]) == (200, "history", run_id)
    status, fresh = service.get("/gate/training_events?ds=2026-11-01&max_age=0")
    assert (status, fresh["answered_from"]) == (200, "new_run") and fresh["run_id"] != run_id

    status, verdict = service.get("/gate/training_events?ds=2026-11-08")
    assert status == 409, verdict
    assert verdict["outcome"] == "block" and verdict["may_train"] is False
    assert {(f["feature"], f["anomaly_type"]) for f in verdict["blocking"]} == {
        ("age", "INT_TYPE_SMALL_INT"), ("age", "INT_TYPE_BIG_INT")}

    status, verdict = service.get("/gate/training_events?ds=2026-12-25")
    assert status == 503, verdict
    # Issue 13: a partition that has not landed is not_ready (503 with Retry-After).
    assert verdict["outcome"] == "not_ready" and verdict["may_train"] is False
    assert "2026-12-25" in verdict["error"]
    request = urllib.request.Request(service.base + "/gate/training_events?ds=2026-12-25")
    if service.token:
        request.add_header("Authorization", f"Bearer {service.token}")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=600)
    assert answer.value.code == 503 and answer.value.headers["Retry-After"] == "300"

    assert service.get("/gate/nope?ds=2026-11-01")[0] == 404
    assert service.get("/gate/training_events?ds=yesterday")[0] == 400


def test_triggered_run(service: Service) -> None:
    status, body = service.request("POST", "/jobs/training_events/run?ds=2026-11-06")
    assert (status, body["ds"]) == (202, "2026-11-06"), body
    job = wait_for("the triggered run to finish",
                   lambda: (j := service.job("training_events"))["last_run"]
                   and j["last_run"]["ds"] == "2026-11-06" and j)
    assert job["last_run"]["outcome"] == "warn" and job["last_run"]["trigger"] == "manual"
    assert service.metric("dqv_service_runs_total", job="training_events", outcome="warn",
                          trigger="manual") == 1.0
    assert service.request("POST", "/jobs/nope/run")[0] == 404


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_token_is_required(service: Service, token: str | None) -> None:
    status, body = service.get("/gate/training_events?ds=2026-11-02", token=token)
    assert status == 401, body
    status, body = service.request("POST", "/jobs/training_events/run?ds=2026-11-03", token=token)
    assert status == 401, body
    assert service.get("/jobs", token=token)[0] == 401
    # Nothing was run for those days.
    days = {r.ds for r in open_store(service.artifact_root).runs("training_events")}
    assert not days & {"2026-11-02", "2026-11-03"}
    assert "s3cret" not in pathlib.Path(service.log_path).read_text()
