"""Signals: SIGHUP reloads the job files, and a broken file is reported while the previous
configuration stays in force; SIGTERM lets a running job finish within the grace period, or
records it as interrupted (not evaluated) when the grace period runs out."""

from __future__ import annotations

import pathlib
import signal
from collections.abc import Iterator

import pytest

from tests.support.pause_hook import pause_env
from tests.support.serve import SAMPLE_JOB, Service, make_project, start_service, wait_for
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history import open_store

JOB_A = SAMPLE_JOB.replace("name: training_events", "name: a")


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    return make_project(tmp_path, {"a": JOB_A})


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()


def _names(service: Service) -> list[str]:
    return [j["job"] for j in service.get("/jobs")[1]["jobs"]]


def test_sighup_reloads_and_keeps_the_old_config_when_a_file_is_broken(
        project: pathlib.Path, services: list[Service]) -> None:
    service = start_service(project)
    services.append(service)
    assert _names(service) == ["a"]
    job_file = project / "jobs" / "a.yaml"
    job_file.write_text(JOB_A + 'schedule: {cron: "0 6 * * *", timezone: Mars/Olympus}\n')

    service.signal(signal.SIGHUP)
    health = wait_for("the reload error in /healthz",
                      lambda: (h := service.get("/healthz")[1])["config_error"] and h)
    assert f"{job_file}:" in health["config_error"] and "schedule" in health["config_error"]
    assert "unknown timezone 'Mars/Olympus'" in health["config_error"]
    assert "keeping the previous configuration" in service.log()
    assert service.job("a")["schedule"] is None  # the old configuration is in force
    assert service.metric("dqv_service_config_reloads_total", result="error") == 1.0

    job_file.write_text(JOB_A + 'schedule: {cron: "0 6 * * *", timezone: Europe/Berlin}\n')
    (project / "jobs" / "b.yaml").write_text(SAMPLE_JOB.replace("name: training_events", "name: b"))
    service.signal(signal.SIGHUP)
    wait_for("the fixed configuration", lambda: _names(service) == ["a", "b"])
    a = service.job("a")
    assert a["schedule"]["timezone"] == "Europe/Berlin"
    assert a["next_run"].endswith(("+01:00", "+02:00"))  # 06:00 Berlin time
    assert service.get("/healthz")[1]["config_error"] is None
    assert service.metric("dqv_service_config_reloads_total", result="ok") == 1.0


def _sigterm_during_run(project: pathlib.Path, services: list[Service], grace: str, pause: str,
                        ds: str) -> tuple[Service, RunRecord]:
    """Start a service, trigger a run that pauses right after it is recorded as started, send
    SIGTERM while it is paused, and return the service (exited 0) and the run as recorded."""
    service = start_service(project, "--grace-seconds", grace, env=pause_env(pause))
    services.append(service)
    status, body = service.request("POST", f"/jobs/a/run?ds={ds}")
    assert status == 202, body
    job = wait_for("the run to be recorded as started",
                   lambda: (j := service.job("a"))["running_run_id"] and j)
    # No overlapping runs of one job: a second trigger is refused while it runs.
    assert service.request("POST", "/jobs/a/run?ds=2026-11-03")[0] == 409
    service.signal(signal.SIGTERM)
    assert service.wait_exit() == 0
    record = open_store(service.artifact_root).get(str(job["running_run_id"]))
    assert record is not None
    return service, record


def test_sigterm_lets_the_running_job_finish(project: pathlib.Path, services: list[Service]) -> None:
    service, record = _sigterm_during_run(project, services, grace="300", pause="3", ds="2026-11-01")
    assert record.outcome is Outcome.PASS and record.rows == 2000
    assert "stopped (0 run(s) recorded as interrupted)" in service.log()


def test_sigterm_records_a_run_past_the_grace_period_as_interrupted(
        project: pathlib.Path, services: list[Service]) -> None:
    service, record = _sigterm_during_run(project, services, grace="0", pause="600", ds="2026-11-02")
    assert record.outcome is Outcome.NOT_EVALUATED
    assert record.error is not None and record.error.startswith("interrupted")
    assert record.ended_at is not None
    assert "stopped (1 run(s) recorded as interrupted)" in service.log()


def test_metrics_drop_the_series_of_a_job_removed_by_a_reload(
        project: pathlib.Path, services: list[Service]) -> None:
    (project / "jobs" / "b.yaml").write_text(SAMPLE_JOB.replace("name: training_events", "name: b"))
    service = start_service(project)
    services.append(service)
    status, accepted = service.request("POST", "/jobs/b/run?ds=2026-11-01")
    assert status == 202, accepted
    wait_for("b's run in /metrics",
             lambda: service.metric("dqv_run_outcome", job="b", outcome="pass") == 1.0)
    assert service.metric("dqv_service_runs_total", job="b", outcome="pass", trigger="manual") == 1.0
    assert service.get("/gate/b?ds=2026-11-01")[0] == 200

    (project / "jobs" / "b.yaml").unlink()
    service.signal(signal.SIGHUP)
    wait_for("the reload without b", lambda: _names(service) == ["a"])

    text = service.get("/metrics", token=None)[1]
    assert 'job="b"' not in text, [line for line in text.splitlines() if 'job="b"' in line]
    assert service.metric("dqv_service_config_reloads_total", result="ok") == 1.0
    assert service.metric("dqv_service_jobs") == 1.0
    assert service.get("/gate/b?ds=2026-11-01")[0] == 404
