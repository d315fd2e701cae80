"""Catch-up after downtime: on start, the ds values of the last `catch_up` scheduled days that
have no evaluated run in the history are run, oldest first; ds values already checked are not."""

from __future__ import annotations

import datetime as dt
import pathlib

from tests.conftest import dqv
from tests.support.serve import make_project, scheduled_job, start_service, wait_for
from validator.history import open_store


def test_missed_days_are_caught_up_oldest_first(tmp_path: pathlib.Path) -> None:
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in range(1, 5)]
    # Daily at midnight UTC, checking the day before: the last 3 fires validated these ds.
    project = make_project(tmp_path, {"nightly": scheduled_job("nightly", "0 0 * * *", catch_up=3)},
                           days)
    root = project / "dqv-artifacts"
    done = (today - dt.timedelta(days=2)).isoformat()
    dqv("run", "nightly", "--ds", done, "--quiet", "--project-dir", str(project), "--artifact-root",
        str(root), check_exit=0)

    service = start_service(project)
    try:
        expected = [(today - dt.timedelta(days=n)).isoformat() for n in (3, 1)]
        runs = wait_for("the catch-up runs", lambda: (
            r := [x for x in open_store(root).runs("nightly") if x.is_finished and x.ds != done]
        ) and len(r) == 2 and r)
        assert [r.ds for r in runs] == expected  # oldest first (runs() is ordered by start)
        assert [r.outcome.value for r in runs if r.outcome] == ["pass", "pass"]
        assert len([r for r in open_store(root).runs("nightly") if r.ds == done]) == 1
        # A run's child process writes the history; the service counts the run once it ended.
        wait_for("both catch-up runs counted", lambda: service.metric(
            "dqv_service_runs_total", job="nightly", outcome="pass", trigger="catch_up") == 2.0)
        assert f"catching up ds {expected[0]}, {expected[1]}" in service.log()
    finally:
        service.stop()
