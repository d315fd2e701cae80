"""Which earlier run is the drift baseline: the latest passing one before this ds."""

from __future__ import annotations

from validator.core.baseline import latest_passing
from validator.core.outcome import Outcome
from validator.core.record import RunRecord


def _run(run_id: str, ds: str, outcome: Outcome | None, started: str) -> RunRecord:
    return RunRecord(run_id=run_id, job="j", ds=ds, started_at=started, outcome=outcome,
                     statistics=f"/s/{run_id}")


RUNS = [
    _run("a", "2026-11-01", Outcome.PASS, "2026-11-01T01"),
    _run("b", "2026-11-02", Outcome.WARN, "2026-11-02T01"),
    _run("c", "2026-11-03", Outcome.BLOCK, "2026-11-03T01"),
    _run("d", "2026-11-04", Outcome.NOT_EVALUATED, "2026-11-04T01"),
    _run("e", "2026-11-05", None, "2026-11-05T01"),  # still running
]


def test_blocked_not_evaluated_and_running_runs_are_skipped() -> None:
    best = latest_passing(RUNS, "2026-11-06")
    assert best is not None and best.run_id == "b"


def test_only_earlier_days_count() -> None:
    best = latest_passing(RUNS, "2026-11-02")
    assert best is not None and best.run_id == "a"
    assert latest_passing(RUNS, "2026-11-01") is None


def test_a_failed_rerun_revokes_a_day() -> None:
    rerun = _run("b2", "2026-11-02", Outcome.BLOCK, "2026-11-09T01")
    best = latest_passing([*RUNS, rerun], "2026-11-06")
    assert best is not None and best.run_id == "a"


def test_the_latest_passing_rerun_of_a_day_is_used() -> None:
    rerun = _run("b2", "2026-11-02", Outcome.PASS, "2026-11-09T01")
    best = latest_passing([*RUNS, rerun], "2026-11-06")
    assert best is not None and best.run_id == "b2"


def test_a_rerun_that_could_not_evaluate_does_not_revoke_a_day() -> None:
    rerun = _run("b2", "2026-11-02", Outcome.NOT_EVALUATED, "2026-11-09T01")
    best = latest_passing([*RUNS, rerun], "2026-11-06")
    assert best is not None and best.run_id == "b"


def test_a_job_without_partitions_compares_with_its_latest_passing_run() -> None:
    runs = [_run("x1", None, Outcome.PASS, "2026-11-01T01"),  # type: ignore[arg-type]
            _run("x2", None, Outcome.BLOCK, "2026-11-02T01"),  # type: ignore[arg-type]
            _run("x3", None, None, "2026-11-03T01")]  # type: ignore[arg-type]
    best = latest_passing(runs, None)
    assert best is not None and best.run_id == "x1"
