"""A reload is counted in the same step as its jobs are published (the cause of a flaky read of
`dqv_service_config_reloads_total{result="ok"}` as absent): in process, the count is checked at
the moment it is made, and the new jobs must not be visible yet; a failed reload is counted
before its error is shown. The service's own lock makes readers wait for both."""

from __future__ import annotations

import pathlib
from typing import Any

from tests.support.serve import SAMPLE_JOB, make_project
from validator.config.job import load_job
from validator.history.store import FileRunStore
from validator.service.metrics import ServiceMetrics
from validator.service.state import RunEnv, ServiceState


def _state(tmp_path: pathlib.Path) -> tuple[ServiceState, dict[str, Any]]:
    project = make_project(tmp_path, {
        "a": SAMPLE_JOB.replace("name: training_events", "name: a"),
        "b": SAMPLE_JOB.replace("name: training_events", "name: b")})
    jobs = {name: load_job(project / "jobs" / f"{name}.yaml") for name in ("a", "b")}
    env = RunEnv(artifact_root=tmp_path / "artifacts", open_store=FileRunStore)
    return ServiceState({"a": jobs["a"]}, env, ServiceMetrics(), workers=1), jobs


def test_the_ok_count_is_made_before_the_new_jobs_are_visible(tmp_path: pathlib.Path) -> None:
    state, jobs = _state(tmp_path)
    seen_at_count: list[list[str]] = []
    counter = state.metrics.reloads.labels(result="ok")
    real_inc = counter.inc

    def inc(amount: float = 1) -> None:
        seen_at_count.append(sorted(state._jobs))  # the published jobs at the moment of the count
        real_inc(amount)

    counter.inc = inc  # type: ignore[method-assign]
    removed = state.replace_jobs({"b": jobs["b"]})

    assert seen_at_count == [["a"]], "the jobs were published before the reload was counted"
    assert sorted(state.jobs()) == ["b"] and removed == ["a"]
    assert counter._value.get() == 1.0


def test_a_failed_reload_is_counted_before_its_error_is_shown(tmp_path: pathlib.Path) -> None:
    state, _ = _state(tmp_path)
    shown_at_count: list[str | None] = []
    counter = state.metrics.reloads.labels(result="error")
    real_inc = counter.inc

    def inc(amount: float = 1) -> None:
        shown_at_count.append(state.config_error)
        real_inc(amount)

    counter.inc = inc  # type: ignore[method-assign]
    state.reload_failed("jobs/a.yaml:3: broken")

    assert shown_at_count == [None] and state.config_error == "jobs/a.yaml:3: broken"
