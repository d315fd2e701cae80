"""Issue 13: late data is not bad data. Through the real CLI on the sample data, with the Slack
stand-in: a partition that has not landed is `not_ready` (exit 3), posts nothing and is never
answered from the history; once it lands the same gate call runs it and passes. Past the job's
`expect_data_by` the missing partition blocks with DATA_LATE and posts once. `--wait` re-checks
until the data is there. Usage errors (no --ds on a partitioned job, a malformed --ds, a column
typo) exit 2 before anything is recorded or sent."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, dqv
from tests.e2e.test_slack_alerts import slack_env
from tests.support.serve import wait_for
from tests.support.slack_standin import SlackStandin

SAMPLE = REPO / "sample_data" / "training_events"
DS = "2026-11-02"


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """The bundled job reading data/ (one hive folder per day that has landed), with Slack
    routes; only 11-01 has landed."""
    (tmp_path / "jobs").mkdir()
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    shutil.copytree(REPO / "alerts", tmp_path / "alerts")
    job = (REPO / "jobs" / "training_events.yaml").read_text()
    (tmp_path / "jobs" / "training_events.yaml").write_text(
        job.replace("path: sample_data/training_events", "path: data"))
    land(tmp_path, "2026-11-01")
    return tmp_path


def land(project: pathlib.Path, ds: str) -> None:
    shutil.copytree(SAMPLE / f"ds={ds}", project / "data" / f"ds={ds}")


def gate(project: pathlib.Path, env: dict[str, str], *extra: str) -> tuple[int, dict[str, Any]]:
    proc = dqv("gate", "training_events", "--json", "--quiet", "--project-dir", str(project),
               *extra, env=env)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def history(project: pathlib.Path) -> list[dict[str, Any]]:
    proc = dqv("history", "training_events", "--all", "--json", "--project-dir", str(project),
               check_exit=0)
    return list(json.loads(proc.stdout)["runs"])


def test_missing_partition_is_not_ready_until_it_lands(slack_standin: SlackStandin,
                                                       project: pathlib.Path) -> None:
    env = slack_env(slack_standin)
    code, verdict = gate(project, env, "--ds", DS, "--max-age", "6h")
    assert (code, verdict["outcome"], verdict["may_train"]) == (3, "not_ready", False)
    assert DS in verdict["error"] and verdict["blocking"] == []
    assert slack_standin.requests == []  # no page for data that has not landed
    # Asked again before it lands: checked again (a new run), not served from the history.
    code, again = gate(project, env, "--ds", DS, "--max-age", "6h")
    assert (code, again["answered_from"]) == (3, "new_run") and again["run_id"] != verdict["run_id"]

    land(project, DS)
    code, landed = gate(project, env, "--ds", DS, "--max-age", "6h")
    assert (code, landed["outcome"], landed["answered_from"]) == (0, "pass", "new_run")
    assert slack_standin.requests == []  # a clean day after not-ready days resolves nothing
    # The history says when the data arrived: two not-ready runs, then the pass.
    assert [(r["ds"], r["outcome"]) for r in history(project)] == [
        (DS, "not_ready"), (DS, "not_ready"), (DS, "pass")]


def test_empty_partition_is_not_ready(project: pathlib.Path) -> None:
    folder = project / "data" / f"ds={DS}"
    folder.mkdir(parents=True)
    sample = pq.read_table(SAMPLE / f"ds={DS}" / "part-000.parquet")
    pq.write_table(sample.slice(0, 0), folder / "part-000.parquet")  # landed, but no rows
    proc = dqv("run", "training_events", "--ds", DS, "--json", "--quiet", "--project-dir",
               str(project))
    record = json.loads(proc.stdout)
    assert (proc.returncode, record["outcome"], record["rows"]) == (3, "not_ready", 0)
    assert record["findings"] == [] and "no rows" in record["error"]


def test_past_the_deadline_missing_data_blocks_as_late_and_posts_once(
        slack_standin: SlackStandin, project: pathlib.Path) -> None:
    job = project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text() + 'expect_data_by: "10:00"\n')  # 11-03 10:00 UTC: long past
    env = slack_env(slack_standin)
    for _ in range(2):
        code, verdict = gate(project, env, "--ds", DS, "--max-age", "6h")
        assert (code, verdict["outcome"], verdict["answered_from"]) == (1, "block", "new_run")
        assert [(f["feature"], f["anomaly_type"]) for f in verdict["blocking"]] == [
            ("(dataset)", "DATA_LATE")]
        assert "2026-11-03T10:00:00+00:00" in verdict["blocking"][0]["description"]
    [post] = slack_standin.posts()  # the second late check is not news
    assert "DATA_LATE" in json.dumps(post.data["blocks"])
    # A deadline still ahead keeps it not ready.
    job.write_text(job.read_text().replace('expect_data_by: "10:00"', 'expect_data_by: "+4000d"'))
    code, verdict = gate(project, env, "--ds", DS)
    assert (code, verdict["outcome"]) == (3, "not_ready")
    assert len(slack_standin.posts()) == 1


def _not_ready_runs(project: pathlib.Path) -> int:
    runs = (project / "dqv-artifacts" / "training_events" / f"ds={DS}").glob("*/run.json")
    return sum(json.loads(p.read_text())["outcome"] == "not_ready" for p in runs)


def test_gate_wait_returns_once_the_data_lands(project: pathlib.Path) -> None:
    command = [sys.executable, "-m", "validator.cli.main", "gate", "training_events", "--ds", DS,
               "--wait", "300s", "--poll", "1s", "--json", "--quiet", "--project-dir", str(project)]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            wait_for("two not-ready polls", lambda: _not_ready_runs(project) >= 2, timeout=240)
            land(project, DS)
            out, err = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out)["outcome"] == "pass"


def test_gate_wait_ends_not_ready(project: pathlib.Path) -> None:
    code, verdict = gate(project, {}, "--ds", DS, "--wait", "2s", "--poll", "1s")
    assert (code, verdict["outcome"]) == (3, "not_ready")
    assert _not_ready_runs(project) >= 1


@pytest.mark.parametrize("args", [
    ("run", "training_events"),  # a partitioned job without --ds
    ("run", "training_events", "--ds", "2026-13-01"),
    ("run", "training_events", "--ds", "last week"),
    ("gate", "training_events", "--ds", "tomorrow-ish"),
    ("run", "no_such_job", "--ds", DS),
])
def test_usage_errors_are_never_runs(slack_standin: SlackStandin, project: pathlib.Path,
                                     args: tuple[str, ...]) -> None:
    proc = dqv(*args, "--project-dir", str(project), env=slack_env(slack_standin))
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not (project / "dqv-artifacts").exists()  # nothing recorded
    assert slack_standin.requests == []


def test_ds_today_yesterday_and_days_ago(project: pathlib.Path) -> None:
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    for text, day in (("today", today), ("yesterday", today - dt.timedelta(days=1)),
                      ("-3", today - dt.timedelta(days=3))):
        code, verdict = gate(project, {}, "--ds", text)
        assert (code, verdict["ds"]) == (3, day.isoformat())


def _with_columns(project: pathlib.Path, columns: str) -> None:
    job = project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text().replace("  format: parquet\n",
                                           f"  format: parquet\n  columns: {columns}\n"))


def test_a_columns_typo_is_one_line_with_the_closest_column(slack_standin: SlackStandin,
                                                            project: pathlib.Path) -> None:
    _with_columns(project, "[user_id, age, countr]")
    proc = dqv("run", "training_events", "--ds", "2026-11-01", "--project-dir", str(project),
               env=slack_env(slack_standin))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "column 'countr' is not in the data; did you mean 'country'?" in line
    assert "field 'source.columns'" in line
    assert history(project) == [] and slack_standin.requests == []


def test_a_column_subset_validates_only_the_selected_features(project: pathlib.Path) -> None:
    _with_columns(project, "[user_id, age, country]")
    proc = dqv("run", "training_events", "--ds", "2026-11-01", "--json", "--quiet",
               "--project-dir", str(project))
    record = json.loads(proc.stdout)
    assert (proc.returncode, record["outcome"]) == (0, "pass"), record["findings"]
    assert not any(f["anomaly_type"] == "SCHEMA_MISSING_COLUMN" for f in record["findings"])
    not_selected = record["source_details"]["not_selected"]
    assert "label" in not_selected and "age" not in not_selected and len(not_selected) == 12
    shown = dqv("show", record["run_id"], "--project-dir", str(project), check_exit=0).stdout
    assert "not selected (source.columns; not read, not validated): session_id, event_time" in shown
