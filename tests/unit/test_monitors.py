"""The monitors' detector (validator/core/monitors.py) on inline histories."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.config.job import Job, SeverityConfig, SeverityRule, Waiver
from validator.core import monitors
from validator.core.monitor_settings import BandSettings, ColumnMonitor, FreshnessSettings, MonitorsConfig
from validator.core.outcome import Severity
from validator.core.run_metrics import FeatureMetrics, HistoryPoint, PartitionMetrics

START = dt.date(2026, 3, 2)  # a Monday
NOISE = (0, 12, -9, 5, -14, 8, -3, 11, -6, 2, -11, 7, -2, 13, -8, 4, -5, 10, -12, 6, -1, 9, -7,
         3, -13, 1, -4, 14)


def weekly(day: dt.date, n: int) -> int:
    """Weekdays about 1000 rows, weekends about 600."""
    return (600 if day.weekday() >= 5 else 1000) + NOISE[n % len(NOISE)]


def history(days: int = 28, value=weekly, **point: object) -> list[HistoryPoint]:
    out = []
    for n in range(days):
        day = START + dt.timedelta(days=n)
        out.append(HistoryPoint(ds=day, run_id=f"r{n}", metrics=PartitionMetrics(
            rows=value(day, n), fingerprint=f"fp{n}"), **point))  # type: ignore[arg-type]
    return out


def day_after(points: list[HistoryPoint], offset: int = 0) -> dt.date:
    return points[-1].ds + dt.timedelta(days=1 + offset)


def volume(points: list[HistoryPoint], ds: dt.date, rows: int,
           config: MonitorsConfig | None = None) -> monitors.MonitorResult:
    results = monitors.evaluate(points, PartitionMetrics(rows=rows, fingerprint="new"), ds,
                                config or MonitorsConfig())
    return next(r for r in results if r.key == "volume")


def test_a_55_percent_weekday_load_fires_with_observed_and_band() -> None:
    points = history()
    wednesday = day_after(points, 2)
    assert wednesday.weekday() == 2
    result = volume(points, wednesday, 551)
    assert result.fired and result.anomaly_type == "VOLUME_LOW"
    assert result.message.startswith("551 rows; expected ")
    assert result.message.endswith("from the last 4 Wednesdays")
    assert result.band is not None and result.band.seasonality == "day_of_week"
    assert 850 < result.band.lower < 1000 < result.band.upper < 1150
    assert result.threshold == result.band.lower


def test_normal_weekdays_and_weekends_pass_and_a_tripled_load_fires() -> None:
    points = history()
    for offset in range(7):
        ds = day_after(points, offset)
        normal = 600 if ds.weekday() >= 5 else 1000
        assert volume(points, ds, normal + 15).status == "ok", ds
    tripled = volume(points, day_after(points), 3000)
    assert tripled.fired and tripled.anomaly_type == "VOLUME_HIGH"


def test_without_seasonality_a_weekend_fires() -> None:
    points = history()
    saturday = next(day_after(points, n) for n in range(7) if day_after(points, n).weekday() == 5)
    flat = MonitorsConfig(volume=BandSettings(seasonality="none"))
    assert volume(points, saturday, 600, flat).fired
    assert volume(points, saturday, 600).status == "ok"  # auto finds the weekly pattern


def test_auto_keeps_one_band_for_data_without_a_weekly_pattern() -> None:
    points = history(value=lambda day, n: 1000 + NOISE[n])
    result = volume(points, day_after(points), 1010)
    assert result.band is not None and result.band.seasonality == "none"
    assert result.message.endswith("from the last 28 evaluated days")


def test_fewer_runs_than_min_history_is_learning_and_never_fires() -> None:
    points = history(days=13)
    result = volume(points, day_after(points), 5)
    assert result.status == "learning" and not result.fired
    assert "13 of 14" in result.message
    assert monitors.to_findings([result], SeverityConfig()) == ()


def test_flagged_and_blocked_days_are_left_out_of_the_band() -> None:
    points = history()
    bad = dataclasses.replace(points[-5], metrics=PartitionMetrics(rows=40_000),
                              flagged=frozenset({"volume"}))
    blocked = dataclasses.replace(points[-5], metrics=PartitionMetrics(rows=40_000), blocked=True)
    ds = day_after(points)
    clean = volume(points[:-5] + points[-4:], ds, 1000)
    assert volume([*points[:-5], bad, *points[-4:]], ds, 1000) == clean
    assert volume([*points[:-5], blocked, *points[-4:]], ds, 1000) == clean


def test_small_changes_are_ignored_by_the_floor() -> None:
    points = history(value=lambda day, n: 1000)
    ds = day_after(points)
    assert volume(points, ds, 1080).status == "ok"  # under 10 %
    assert volume(points, ds, 1200).fired
    strict = MonitorsConfig(volume=BandSettings(min_change_percent=0))
    assert volume(points, ds, 1001, strict).fired
    rows_floor = MonitorsConfig(volume=BandSettings(min_change_percent=0, min_change=50))
    assert volume(points, ds, 1040, rows_floor).status == "ok"


def test_direction_limits_what_counts() -> None:
    points = history()
    ds = day_after(points)
    drops = MonitorsConfig(volume=BandSettings(direction="drop"))
    assert volume(points, ds, 3000, drops).status == "ok"
    assert volume(points, ds, 300, drops).fired
    assert "at least" in volume(points, ds, 300, drops).message


def test_a_copy_of_an_earlier_partition_is_a_duplicate_naming_its_ds() -> None:
    points = history()
    copy = PartitionMetrics(rows=1000, fingerprint=points[3].metrics.fingerprint)
    results = monitors.evaluate(points, copy, day_after(points), MonitorsConfig())
    duplicate = next(r for r in results if r.key == "duplicate")
    assert duplicate.fired and duplicate.anomaly_type == "DUPLICATE_PARTITION"
    assert f"ds={points[3].ds.isoformat()}" in duplicate.message
    fresh = monitors.evaluate(points, PartitionMetrics(rows=1000, fingerprint="x"),
                              day_after(points), MonitorsConfig())
    assert next(r for r in fresh if r.key == "duplicate").status == "ok"


def _events(ds: dt.date, start_h: float, end_h: float) -> tuple[float, ...]:
    midnight = dt.datetime(ds.year, ds.month, ds.day, tzinfo=dt.UTC).timestamp()
    return tuple(midnight + 3600 * (start_h + (end_h - start_h) * i / 10) for i in range(11))


def _freshness(events: tuple[float, ...], ds: dt.date, zone: str | None = None
               ) -> monitors.MonitorResult:
    config = MonitorsConfig(event_time="event_time", freshness=FreshnessSettings(timezone=zone))
    results = monitors.evaluate([], PartitionMetrics(rows=10, event_quantiles=events), ds, config)
    return next(r for r in results if r.key == "freshness")


def test_event_times_of_another_day_are_stale_and_an_early_end_is_partial() -> None:
    ds = dt.date(2026, 11, 5)
    assert _freshness(_events(ds, 0, 23.9), ds).status == "ok"
    stale = _freshness(_events(ds - dt.timedelta(days=1), 0, 23.9), ds)
    assert stale.anomaly_type == "STALE_PARTITION"
    assert "96% of events are outside 2026-11-05" in stale.message  # 1 h of tolerance
    assert _freshness(_events(ds, -0.5, 23.9), ds).status == "ok"  # late events within tolerance
    partial = _freshness(_events(ds, 0, 12), ds)
    assert partial.anomaly_type == "PARTIAL_PARTITION" and "12.0 h before" in partial.message


def _local_events(ds: dt.date, zone: str, hours: range) -> tuple[float, ...]:
    tz = zoneinfo.ZoneInfo(zone)
    return tuple(dt.datetime.combine(ds, dt.time(), tzinfo=tz).timestamp() + 3600 * h + 59
                 for h in hours)


def test_ds_days_are_local_days_in_the_freshness_timezone() -> None:
    ds = dt.date(2026, 11, 5)
    evening = _local_events(ds, "America/Los_Angeles", range(16, 24))  # 00:00-07:59Z next day
    assert _freshness(evening, ds).anomaly_type == "STALE_PARTITION"  # as UTC days
    local = _freshness(evening, ds, "America/Los_Angeles")
    assert local.status == "ok", local.message
    assert "-08:00" in local.message  # times shown in the zone the day is judged in


def test_a_daylight_saving_day_has_23_hours_and_ends_at_local_midnight() -> None:
    ds = dt.date(2026, 3, 29)  # Europe/Berlin springs forward: 23 hours
    day = _local_events(ds, "Europe/Berlin", range(0, 23))
    assert _freshness(day, ds, "Europe/Berlin").status == "ok"
    early = _local_events(ds, "Europe/Berlin", range(0, 15))  # the last, 14 h after midnight
    partial = _freshness(early, ds, "Europe/Berlin")
    assert partial.anomaly_type == "PARTIAL_PARTITION"
    # 15:00 local (02:00 was skipped); the 23-hour day ends 9 h later (24 h days: 10 h)
    assert "T15:00:59+02:00, 9.0 h before" in partial.message


def test_the_freshness_timezone_defaults_to_the_schedule_and_rejects_unknown_zones() -> None:
    base = {"name": "j", "schema": "s.pbtxt", "source": {"kind": "local", "path": "d"}}
    scheduled = Job.model_validate({**base, "schedule": {"cron": "0 6 * * *",
                                                          "timezone": "Asia/Tokyo"}})
    assert scheduled.monitors.freshness.timezone == "Asia/Tokyo"
    named = Job.model_validate({**base, "schedule": {"cron": "0 6 * * *", "timezone": "Asia/Tokyo"},
                                "monitors": {"freshness": {"timezone": "UTC"}}})
    assert named.monitors.freshness.timezone == "UTC"
    assert Job.model_validate(base).monitors.freshness.timezone is None  # UTC days
    with pytest.raises(pydantic.ValidationError, match="unknown timezone 'Mars/Olympus'"):
        FreshnessSettings(timezone="Mars/Olympus")


def test_column_monitors_cover_every_feature_with_star() -> None:
    def point(n: int, ratio: float) -> HistoryPoint:
        return HistoryPoint(ds=START + dt.timedelta(days=n), run_id=str(n), metrics=PartitionMetrics(
            rows=1000, features={"age": FeatureMetrics(missing_ratio=ratio, mean=36.0),
                                 "city": FeatureMetrics(missing_ratio=0.0)}))
    points = [point(n, 0.05 + NOISE[n] / 10_000) for n in range(20)]
    config = MonitorsConfig(columns=[ColumnMonitor(feature="*", metrics=["missing_ratio"])])
    current = PartitionMetrics(rows=1000, features={"age": FeatureMetrics(missing_ratio=0.12),
                                                    "city": FeatureMetrics(missing_ratio=0.0)})
    results = {r.key: r for r in monitors.evaluate(points, current, point(20, 0).ds, config)}
    assert results["metric:age:missing_ratio"].anomaly_type == "METRIC_OUT_OF_BAND"
    assert results["metric:age:missing_ratio"].message.startswith("missing_ratio of age 0.12;")
    assert results["metric:city:missing_ratio"].status == "ok"
    assert "metric:age:mean" not in results


def test_findings_follow_severity_rules_and_waivers() -> None:
    points = history()
    result = volume(points, day_after(points), 3000)
    (finding,) = monitors.to_findings([result], SeverityConfig())
    assert finding.severity is Severity.ERROR and finding.feature == "(dataset)"
    assert finding.value == 3000 and finding.threshold == result.band.upper  # type: ignore[union-attr]
    warn = SeverityConfig(rules=[SeverityRule(anomaly="VOLUME_HIGH", severity=Severity.WARNING)])
    assert monitors.to_findings([result], warn)[0].severity is Severity.WARNING
    waiver = Waiver(feature="(dataset)", anomaly="VOLUME_HIGH", until=dt.date(2027, 1, 1),
                    owner="ml", reason="launch")
    waived = monitors.to_findings([result], SeverityConfig(), [waiver], dt.date(2026, 5, 1))
    assert waived[0].severity is Severity.WARNING and waived[0].waiver is not None


def test_share_below_interpolates_deciles() -> None:
    deciles = tuple(float(v) for v in range(0, 110, 10))
    assert monitors.share_below(deciles, -1) == 0.0
    assert monitors.share_below(deciles, 25) == 0.25
    assert monitors.share_below(deciles, 101) == 1.0


@settings(max_examples=40, deadline=None)
@given(outlier=st.integers(min_value=0, max_value=1_000_000), index=st.integers(0, 27))
def test_one_bad_day_barely_moves_the_band(outlier: int, index: int) -> None:
    """Median and MAD: one arbitrary value among the learned days keeps the band near the
    one learned without it (never wider than the clean band plus one noise step)."""
    points = history()
    ds = day_after(points)
    clean = volume([p for i, p in enumerate(points) if i != index], ds, 1000).band
    spoiled_points = list(points)
    spoiled_points[index] = dataclasses.replace(points[index],
                                                metrics=PartitionMetrics(rows=outlier))
    spoiled = volume(spoiled_points, ds, 1000).band
    assert clean is not None and spoiled is not None
    assert abs(spoiled.center - clean.center) <= 15
    assert spoiled.upper - spoiled.lower <= (clean.upper - clean.lower) * 1.5 + 30


def test_a_window_too_short_for_weekday_bands_learns_one_band() -> None:
    points = history()
    short = MonitorsConfig(volume=BandSettings(training_days=14))
    result = volume(points, day_after(points), 1000, short)
    assert result.band is not None and result.band.seasonality == "none"
