"""The job's `monitors:` block: defaults, settings, and errors naming the field."""

from __future__ import annotations

import pathlib

import pytest

from tests.conftest import REPO
from validator.cli.backtest import with_settings
from validator.config.job import load_job
from validator.core.monitor_settings import MonitorsConfig
from validator.errors import ConfigError

GOOD = (REPO / "jobs" / "training_events.yaml").read_text()
MONITORS = """monitors:
  event_time: event_time
  volume: {seasonality: day_of_week, sensitivity: 4, min_change_percent: 5, direction: drop}
  freshness: {tolerance: 2h, max_end_gap: null}
  duplicate: {lookback_days: 30}
  columns:
    - {feature: "*", metrics: [missing_ratio]}
    - {feature: age, metrics: [mean, max], min_change: 2}
"""


def _job(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "jobs" / "training_events.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_volume_and_duplicates_are_on_by_default() -> None:
    monitors = load_job(REPO / "jobs" / "training_events.yaml").monitors
    assert monitors.volume.enabled and monitors.duplicate.enabled
    assert monitors.volume.min_history == 14 and monitors.volume.seasonality == "auto"
    assert monitors.event_time is None and monitors.columns == []
    assert monitors.read_days == 90


def test_every_setting_parses(tmp_path: pathlib.Path) -> None:
    monitors = load_job(_job(tmp_path, GOOD + MONITORS)).monitors
    assert monitors.volume.direction == "drop" and monitors.volume.sensitivity == 4
    assert monitors.freshness.tolerance_seconds == 7200 and monitors.freshness.max_end_gap is None
    assert [c.feature for c in monitors.columns] == ["*", "age"]
    assert monitors.read_days == 56


@pytest.mark.parametrize(("change", "field", "words"), [
    ("metrics: [missing_ratio]", "monitors.columns[0].metrics", "unknown metric(s) nulls"),
    ("tolerance: 2h", "monitors.freshness.tolerance", "not a duration"),
    ("seasonality: day_of_week", "monitors.volume.seasonality", "'auto', 'none' or 'day_of_week'"),
])
def test_errors_name_the_field(tmp_path: pathlib.Path, change: str, field: str, words: str) -> None:
    bad = {"metrics: [missing_ratio]": "metrics: [nulls]", "tolerance: 2h": "tolerance: soon",
           "seasonality: day_of_week": "seasonality: monthly"}[change]
    with pytest.raises(ConfigError) as err:
        load_job(_job(tmp_path, GOOD + MONITORS.replace(change, bad)))
    assert err.value.field == field, str(err.value)
    assert words in str(err.value)


def test_backtest_settings_override_and_are_checked() -> None:
    config = with_settings(MonitorsConfig(), ["volume.sensitivity=5", "duplicate.enabled=false"])
    assert config.volume.sensitivity == 5 and not config.duplicate.enabled
    with pytest.raises(ConfigError, match=r"volume\.sensitivity"):
        with_settings(MonitorsConfig(), ["volume.sensitivity=-1"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        with_settings(MonitorsConfig(), ["volume.sensitivity"])


def test_only_jobs_with_partitions_are_monitored(tmp_path: pathlib.Path) -> None:
    from validator.run.monitoring import has_partitions

    assert has_partitions(load_job(REPO / "jobs" / "training_events.yaml"))
    whole = GOOD.replace("  partition:\n    hive_key: ds\n", "")
    assert not has_partitions(load_job(_job(tmp_path, whole)))
    placeholder = whole.replace("path: sample_data/training_events",
                                "path: sample_data/training_events/ds={ds}")
    assert has_partitions(load_job(_job(tmp_path, placeholder)))


def test_day_of_week_needs_three_weeks_of_window() -> None:
    with pytest.raises(ConfigError, match="training_days 21 or more"):
        with_settings(MonitorsConfig(), ["volume.seasonality=day_of_week", "volume.training_days=14"])
