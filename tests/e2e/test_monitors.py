"""The monitors end to end over a recorded history with a weekly pattern (issue 14).

History (job `events`, tests/support/monitor_data.py): 2026-03-02 (a Monday) to 2026-04-01,
real sample rows resampled per day, ~1000 rows on weekdays and ~600 on weekends. Incidents:

    03-11 Wed  a 40 % load while the monitor is still learning (10th run): passes
    03-25 Wed  a 55 % load                       -> VOLUME_LOW, blocks (a real `dqv run`)
    03-27 Fri  a tripled load                    -> VOLUME_HIGH, blocks
    03-29 Sun  a copy of the 03-22 partition     -> DUPLICATE_PARTITION, blocks
    03-30 Mon  4 % more nulls in age             -> METRIC_OUT_OF_BAND for job `events_nulls`
    03-31 Tue  normal volume, events of 03-28    -> STALE_PARTITION for job `events_timed`

Every run but 03-25 runs in this process through `run_job` (the history building stays fast);
03-25 and the freshness checks are real CLI runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
from typing import Any

import numpy as np
import pytest

from tests.conftest import dqv
from tests.support import monitor_data as md
from validator.config.job import load_job
from validator.core import monitors
from validator.core.bands import Band
from validator.history.metric_history import MlmdMetricHistory
from validator.history.mlmd_store import MlmdRunStore
from validator.run.runner import RunSettings, run_job

FIRST, LAST = dt.date(2026, 3, 2), dt.date(2026, 4, 1)
LEARNING_LOW, LOW, TRIPLED, COPY, STALE = (dt.date(2026, 3, d) for d in (11, 25, 27, 29, 31))
COPIED_FROM, STALE_EVENTS, NULLS = dt.date(2026, 3, 22), dt.date(2026, 3, 28), dt.date(2026, 3, 30)
NULLS_JOB = """monitors:
  columns:
    - {feature: "*", metrics: [missing_ratio], min_change: 0.01}
"""
INCIDENTS = {LOW, TRIPLED, COPY}
DAYS = [FIRST + dt.timedelta(days=n) for n in range((LAST - FIRST).days + 1)]


def _write_data(project: pathlib.Path) -> None:
    rows, rng = md.pool(), np.random.default_rng(14)
    for n, day in enumerate(DAYS):
        count = md.normal_rows(day, rng)
        if day == COPY:
            md.copy_partition(project, COPIED_FROM, day)
            continue
        count = {LEARNING_LOW: 400, LOW: 550, TRIPLED: 3000}.get(day, count)
        table = md.day_table(rows, count, STALE_EVENTS if day == STALE else day, seed=n)
        if day == NULLS:  # about 9 % missing instead of 5 %: the schema's 90 % presence holds
            table = md.with_nulls(table, "age", 0.04, seed=n)
        md.write_partition(project, day, table)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("monitors")
    project = md.new_project(base / "project", {
        "events": "", "events_timed": "monitors:\n  event_time: event_time\n",
        "events_nulls": NULLS_JOB})
    _write_data(project)
    artifacts = base / "artifacts"
    job = load_job(project / "jobs" / "events.yaml")
    store = MlmdRunStore(artifacts)
    settings = RunSettings(artifact_root=artifacts, progress=False)
    records: dict[dt.date, dict[str, Any]] = {}
    cli: dict[dt.date, Any] = {}
    for day in DAYS:
        if day == LOW:
            proc = dqv("run", "events", "--ds", day.isoformat(), "--json", "--quiet",
                       "--project-dir", str(project), "--artifact-root", str(artifacts))
            cli[day] = proc
            records[day] = json.loads(proc.stdout)
        else:
            records[day] = run_job(job, day, store, settings).record.to_json()
    nulls_job = load_job(project / "jobs" / "events_nulls.yaml")
    nulls = {day: run_job(nulls_job, day, store, settings).record.to_json() for day in DAYS}
    return {"project": project, "artifacts": artifacts, "records": records, "cli": cli,
            "store": store, "nulls": nulls}


def _types(record: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["feature"], f["anomaly_type"], f["severity"]) for f in record["findings"]}


def _volume(record: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in record["monitors"] if m["key"] == "volume")


def test_a_55_percent_weekday_load_blocks_naming_observed_and_band(history: dict[str, Any]
                                                                   ) -> None:
    proc = history["cli"][LOW]
    assert proc.returncode == 1, proc.stderr
    record = history["records"][LOW]
    assert record["outcome"] == "block"
    assert _types(record) == {("(dataset)", "VOLUME_LOW", "error")}
    finding = record["findings"][0]
    assert finding["value"] == 550
    assert finding["description"].startswith("550 rows; expected ")
    assert finding["description"].endswith("from the last 3 Wednesdays")
    band = _volume(record)["band"]
    assert 850 < band["lower"] < 1000 < band["upper"] < 1150
    assert finding["threshold"] == band["lower"]


def test_every_normal_weekday_and_weekend_day_passes(history: dict[str, Any]) -> None:
    for day in DAYS:
        if day in INCIDENTS:
            continue
        record = history["records"][day]
        assert (day, record["outcome"], record["findings"]) == (day, "pass", [])
    weekend = history["records"][dt.date(2026, 3, 28)]
    assert _volume(weekend)["status"] == "ok"
    assert _volume(weekend)["band"]["seasonality"] == "day_of_week"
    assert _volume(weekend)["band"]["upper"] < 800  # a weekend band, not the weekdays'


def test_a_tripled_load_blocks(history: dict[str, Any]) -> None:
    record = history["records"][TRIPLED]
    assert record["outcome"] == "block"
    assert _types(record) == {("(dataset)", "VOLUME_HIGH", "error")}
    assert record["findings"][0]["description"].startswith("3,000 rows; expected ")


def test_a_copy_of_an_earlier_partition_blocks_as_duplicate(history: dict[str, Any]) -> None:
    record = history["records"][COPY]
    assert record["outcome"] == "block"
    assert _types(record) == {("(dataset)", "DUPLICATE_PARTITION", "error")}
    assert "identical statistics to ds=2026-03-22" in record["findings"][0]["description"]


def test_with_fewer_than_14_runs_the_volume_monitor_is_learning(history: dict[str, Any]) -> None:
    record = history["records"][LEARNING_LOW]
    assert record["rows"] == 400 and record["outcome"] == "pass"
    assert _volume(record)["status"] == "learning"
    assert "9 of 14" in _volume(record)["message"]
    first_judged = history["records"][FIRST + dt.timedelta(days=21)]
    assert _volume(first_judged)["status"] == "ok"


def test_a_flagged_day_does_not_move_the_band(history: dict[str, Any]) -> None:
    """04-01 (a Wednesday) is judged as if the flagged 03-25 had not happened."""
    job = load_job(history["project"] / "jobs" / "events.yaml")
    points = MlmdMetricHistory(history["store"].session).points("events", FIRST, LAST)
    low = next(p for p in points if p.ds == LOW)
    assert low.blocked and low.flagged == frozenset({"volume"})
    current = next(p for p in MlmdMetricHistory(history["store"].session).points(
        "events", LAST, LAST + dt.timedelta(days=1)))
    recorded = Band.from_json(_volume(history["records"][LAST])["band"])

    def band(given: list[Any]) -> Band | None:
        results = monitors.evaluate(given, current.metrics, LAST, job.monitors)
        return next(r for r in results if r.key == "volume").band

    assert band([p for p in points if p.ds != LOW]) == recorded
    as_if_normal = dataclasses.replace(low, blocked=False, flagged=frozenset())
    assert band([as_if_normal if p.ds == LOW else p for p in points]) != recorded


def test_old_events_under_a_new_ds_block_as_stale(history: dict[str, Any]) -> None:
    project, artifacts = history["project"], history["artifacts"]
    common = ("--json", "--quiet", "--project-dir", str(project), "--artifact-root",
              str(artifacts))
    fresh = dqv("run", "events_timed", "--ds", "2026-03-30", *common)
    assert fresh.returncode == 0, fresh.stderr
    stale = dqv("run", "events_timed", "--ds", STALE.isoformat(), *common)
    assert stale.returncode == 1, stale.stderr
    record = json.loads(stale.stdout)
    assert _types(record) == {("event_time", "STALE_PARTITION", "error")}
    assert "100% of events are outside 2026-03-31" in record["findings"][0]["description"]
    assert history["records"][STALE]["outcome"] == "pass"  # without event_time: not checked


def test_the_sample_days_are_not_duplicates_and_volume_is_learning(sample_runs: dict[str, Any]
                                                                   ) -> None:
    for ds in (f"2026-11-{d:02d}" for d in range(1, 12)):
        by_key = {m["key"]: m for m in sample_runs[ds]["record"]["monitors"]}
        assert by_key["volume"]["status"] == "learning", ds
        assert by_key["duplicate"]["status"] == "ok", ds


def _backtest(history: dict[str, Any], tmp_path: pathlib.Path, *args: str
              ) -> Any:
    """`dqv backtest` from a project that holds the job file but no data at all."""
    bare = md.new_project(tmp_path / "bare", {"events": ""})
    return dqv("backtest", "events", "--start", FIRST.isoformat(), "--end", LAST.isoformat(),
               "--project-dir", str(bare), "--artifact-root", str(history["artifacts"]), *args)


def test_backtest_names_exactly_the_incident_days(history: dict[str, Any],
                                                  tmp_path: pathlib.Path) -> None:
    proc = _backtest(history, tmp_path, "--json")
    assert proc.returncode == 0, proc.stderr
    replayed = json.loads(proc.stdout)
    assert replayed["fired_days"] == ["2026-03-25", "2026-03-27", "2026-03-29"]
    assert replayed["summary"] == "would have fired 3 times in 31 days: 03-25, 03-27, 03-29"
    by_ds = {d["ds"]: d for d in replayed["days"]}
    assert {f["anomaly_type"] for f in by_ds["2026-03-25"]["findings"]} == {"VOLUME_LOW"}
    # The replay with the job's own settings says what the runs said.
    recorded = history["records"][LOW]["findings"][0]["description"]
    assert by_ds["2026-03-25"]["findings"][0]["description"] == recorded
    text = _backtest(history, tmp_path / "text")
    assert "2026-03-27  BLOCK  VOLUME_HIGH error: 3,000 rows; expected" in text.stdout
    assert text.stdout.rstrip().endswith("would have fired 3 times in 31 days: 03-25, 03-27, 03-29")


def test_backtest_set_changes_what_would_have_fired(history: dict[str, Any],
                                                    tmp_path: pathlib.Path) -> None:
    def fired(name: str, *settings: str) -> list[str]:
        args = [arg for s in settings for arg in ("--set", s)]
        proc = _backtest(history, tmp_path / name, "--json", *args)
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout)["fired_days"])

    assert fired("nodup", "duplicate.enabled=false") == ["2026-03-25", "2026-03-27"]
    assert fired("floor", "volume.min_change_percent=250") == ["2026-03-29"]
    flat = fired("flat", "volume.seasonality=none")
    weekends = [d.isoformat() for d in DAYS if d >= dt.date(2026, 3, 21) and d.weekday() >= 5]
    assert set(weekends) <= set(flat) and "2026-03-25" in flat


def test_backtest_refuses_an_unknown_setting(history: dict[str, Any],
                                             tmp_path: pathlib.Path) -> None:
    proc = _backtest(history, tmp_path, "--set", "volume.sensitivty=4")
    assert proc.returncode == 2
    assert "no setting 'sensitivty'" in proc.stderr and "sensitivity" in proc.stderr


def test_dqv_show_lists_the_monitors_with_observed_and_band(history: dict[str, Any]) -> None:
    run_id = history["records"][LOW]["run_id"]
    proc = dqv("show", run_id, "--artifact-root", str(history["artifacts"]))
    assert proc.returncode == 0, proc.stderr
    assert "Monitors (2)" in proc.stdout
    line = next(row for row in proc.stdout.splitlines() if row.startswith("volume"))
    assert "FIRED" in line and "VOLUME_LOW" in line
    assert "550 rows; expected " in line and "from the last 3 Wednesdays" in line


def test_a_column_whose_null_rate_creeps_up_is_out_of_band(history: dict[str, Any]) -> None:
    """Column monitors on every feature: only the day with more nulls in age fires (besides the
    volume incidents every job with partitions has)."""
    fired = {day: {(f["feature"], f["anomaly_type"]) for f in record["findings"]}
             for day, record in history["nulls"].items() if record["findings"]}
    assert fired == {LOW: {("(dataset)", "VOLUME_LOW")}, TRIPLED: {("(dataset)", "VOLUME_HIGH")},
                     COPY: {("(dataset)", "DUPLICATE_PARTITION")},
                     NULLS: {("age", "METRIC_OUT_OF_BAND")}}
    finding = history["nulls"][NULLS]["findings"][0]
    assert finding["severity"] == "error"
    assert finding["description"].startswith("missing_ratio of age 0.")
    assert "expected " in finding["description"] and "evaluated days" in finding["description"]
    assert finding["value"] > finding["threshold"]
    judged = [m for m in history["nulls"][NULLS]["monitors"] if m["key"].startswith("metric:")]
    assert {m["feature"] for m in judged} >= {"age", "browser", "cart_value", "country"}
