"""Issue 13 on BigQuery (the emulator, the real clients): an absent partition reads as 0 rows
and is `not_ready` (exit 3, nothing posted); once the day is loaded the same gate call runs it
and passes. A table partitioned by a DATE column `ds` that the curated schema does not list:
`ds` is not a feature, so the bundled schema passes the clean days and gives the defect days the
local job's findings. A `columns:` typo is one line naming the closest column (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import shutil
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from tests.conftest import REPO, SAMPLE_DAYS
from tests.e2e.bigquery.jobs import partitioned_source, write_bq_job
from tests.e2e.test_slack_alerts import slack_env
from tests.support.bigquery import DATASET, SAMPLE_COLUMNS, Emulator, sample_day
from tests.support.bq_emulator import load_arrow
from tests.support.slack_standin import SlackStandin

Run = Callable[..., Any]
LATE_TABLE = "late_events"


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "jobs").mkdir()
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    shutil.copytree(REPO / "alerts", tmp_path / "alerts")
    shutil.copy(REPO / "jobs" / "training_events.yaml", tmp_path / "jobs")
    return tmp_path


def _load_days(emulator: Emulator, *days: dt.date) -> None:
    """The late table as a daily pipeline leaves it: the days that have landed so far."""
    load_arrow(emulator.clients(), f"{DATASET}.{LATE_TABLE}",
               pa.concat_tables([sample_day(d) for d in days]))


def _gate(run_dqv: Run, project: pathlib.Path, env: dict[str, str], ds: str
          ) -> tuple[int, dict[str, Any]]:
    proc = run_dqv("gate", "bq", "--ds", ds, "--max-age", "6h", "--json", "--quiet",
                   "--project-dir", str(project), env=env)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_absent_partition_is_not_ready_until_it_lands(
        bq_emulator: Emulator, slack_standin: SlackStandin, project: pathlib.Path,
        run_dqv: Run) -> None:
    _load_days(bq_emulator, dt.date(2026, 11, 1))
    write_bq_job(project, "bq", {**partitioned_source(), "table": f"{DATASET}.{LATE_TABLE}"})
    env = {**bq_emulator.env, **slack_env(slack_standin)}
    code, verdict = _gate(run_dqv, project, env, "2026-11-02")
    assert (code, verdict["outcome"], verdict["may_train"]) == (3, "not_ready", False)
    assert "no rows for ds=2026-11-02" in verdict["error"]
    assert slack_standin.requests == []

    _load_days(bq_emulator, dt.date(2026, 11, 1), dt.date(2026, 11, 2))
    code, verdict = _gate(run_dqv, project, env, "2026-11-02")
    assert (code, verdict["outcome"], verdict["answered_from"]) == (0, "pass", "new_run")
    assert slack_standin.requests == []


def test_past_the_deadline_an_absent_partition_blocks_as_late_once(
        bq_emulator: Emulator, slack_standin: SlackStandin, project: pathlib.Path,
        run_dqv: Run) -> None:
    _load_days(bq_emulator, dt.date(2026, 11, 1))
    write_bq_job(project, "bq", {**partitioned_source(), "table": f"{DATASET}.{LATE_TABLE}"},
                 expect_data_by="+6h")
    env = {**bq_emulator.env, **slack_env(slack_standin)}
    for _ in range(2):
        code, verdict = _gate(run_dqv, project, env, "2026-11-03")
        assert (code, verdict["outcome"]) == (1, "block")
        assert [f["anomaly_type"] for f in verdict["blocking"]] == ["DATA_LATE"]
    assert len(slack_standin.posts()) == 1


Findings = set[tuple[str, str, str]]


def _findings(record: dict[str, Any]) -> Findings:
    return {(f["feature"], f["anomaly_type"], f["severity"]) for f in record["findings"]}


# As in test_bigquery_matches_local.py: in the one table, 11-07's dropped column is all-NULL.
UNIFIED_DIFFERENCES: dict[str, Findings] = {
    "2026-11-07": {("account_age_days", "FEATURE_TYPE_NOT_PRESENT", "error")},
}


def test_ds_partition_column_is_not_a_feature(
        bq_emulator: Emulator, sample_runs: dict[str, Any], project: pathlib.Path,
        run_dqv: Run) -> None:
    source = partitioned_source()
    del source["columns"]  # every column of the table, `ds` too: the schema does not list it
    write_bq_job(project, "bq", source)
    proc = run_dqv("backfill", "bq", "--start", SAMPLE_DAYS[0], "--end", SAMPLE_DAYS[-1], "--json",
                   "--quiet", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=bq_emulator.env)
    runs = {r["ds"]: r for r in json.loads(proc.stdout)}
    for ds in SAMPLE_DAYS:
        local, bq = sample_runs[ds]["record"], runs[ds]
        assert bq["error"] is None, (ds, bq["error"])
        assert bq["outcome"] == local["outcome"], ds
        assert not any(f["feature"] == "ds" for f in bq["findings"]), ds
        assert _findings(bq) == UNIFIED_DIFFERENCES.get(ds, _findings(local)), ds
    assert [runs[ds]["outcome"] for ds in SAMPLE_DAYS[:5]] == ["pass"] * 5

    from validator.history.baselines import read_statistics

    statistics = read_statistics(runs["2026-11-03"]["statistics"])
    names = {".".join(f.path.step) for f in statistics.datasets[0].features}
    assert "ds" not in names and names == set(SAMPLE_COLUMNS)


def test_a_columns_typo_names_the_closest_column(bq_emulator: Emulator, project: pathlib.Path,
                                                 run_dqv: Run) -> None:
    write_bq_job(project, "bq", {**partitioned_source(), "columns": ["user_id", "age", "countr"]})
    proc = run_dqv("run", "bq", "--ds", "2026-11-03", "--quiet", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=bq_emulator.env)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "'countr'" in line and "did you mean 'country'?" in line
    assert "field 'source.columns'" in line
