"""Which runs a day's report shows, read through the RunStore protocol (a FileRunStore here)."""

from __future__ import annotations

import datetime as dt
import pathlib

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history.store import FileRunStore
from validator.report.data import JobInfo, date_outcomes, gather, report_dates, waivers
from validator.report.features import DatasetSummary


def _record(root: pathlib.Path, run_id: str, ds: str, started: str, outcome: Outcome | None,
            **extra: object) -> RunRecord:
    record = RunRecord(run_id=run_id, job="a", ds=ds, started_at=started, outcome=outcome, rows=5,
                       artifact_dir=str(root / "a" / f"ds={ds}" / run_id), **extra)  # type: ignore[arg-type]
    FileRunStore(root).finish(record)
    return record


def _no_stats(path: str) -> DatasetSummary:
    raise OSError(f"{path} is not there")


def test_ds_report_takes_the_latest_run_of_the_ds_and_run_day_report_every_ds_run_that_day(
        tmp_path: pathlib.Path) -> None:
    _record(tmp_path, "r1", "2026-11-05", "2026-11-05T06:00:00+00:00", Outcome.BLOCK)
    _record(tmp_path, "r2", "2026-11-04", "2026-11-05T07:00:00+00:00", Outcome.PASS)  # a backfill
    _record(tmp_path, "r3", "2026-11-05", "2026-11-05T09:00:00+00:00", Outcome.WARN,
            statistics=str(tmp_path / "gone" / "FeatureStats.pb"),
            measurements=[{"comparison": "drift", "feature": "x", "kind": "L_INFTY", "value": 0.3,
                           "threshold": 0.1}])  # the re-run supersedes r1
    _record(tmp_path, "r4", "2026-11-06", "2026-11-06T06:00:00+00:00", None)  # still running
    store, jobs = FileRunStore(tmp_path), [JobInfo("a"), JobInfo("absent")]

    by_ds = gather(store, jobs, dt.date(2026, 11, 5), _no_stats)
    assert [j.record.run_id for j in by_ds.jobs] == ["r3"]
    assert [(p.ds, p.outcome, p.drift) for p in by_ds.jobs[0].trend] == [
        ("2026-11-04", "pass", None), ("2026-11-05", "warn", 0.3)]
    assert by_ds.jobs[0].features == [] and "is not there" in by_ds.jobs[0].stats_note

    by_day = gather(store, jobs, dt.date(2026, 11, 5), _no_stats, by="run_day")
    assert [j.record.run_id for j in by_day.jobs] == ["r3", "r2"]  # warn before pass

    assert gather(store, jobs, dt.date(2026, 11, 6), _no_stats).jobs == []  # unfinished: not shown
    assert report_dates(store, jobs) == ["2026-11-05", "2026-11-04"]
    # The index's outcomes are those of the latest run of each ds (r3's warn, not r1's block).
    assert date_outcomes(store, jobs) == [("2026-11-05", {"a": Outcome.WARN}),
                                          ("2026-11-04", {"a": Outcome.PASS})]


def test_waivers_in_force_are_the_unexpired_ones_on_findings() -> None:
    waiver = {"until": "2026-12-01", "owner": "ana", "reason": "vendor fix", "expired": False,
              "waived_severity": "error"}
    record = RunRecord(run_id="r", job="a", ds="2026-11-05", started_at="2026-11-05T06:00:00+00:00",
                       findings=[{"feature": "f", "anomaly_type": "T", "severity": "warning",
                                  "waiver": waiver},
                                 {"feature": "g", "anomaly_type": "T", "severity": "error",
                                  "waiver": {**waiver, "expired": True}},
                                 {"feature": "h", "anomaly_type": "T", "severity": "error"}])
    assert waivers(record) == [{"feature": "f", "anomaly": "T", "until": "2026-12-01", "owner": "ana",
                                "reason": "vendor fix"}]


def test_a_report_never_imports_tensorflow(tmp_path: pathlib.Path) -> None:
    """The report reads statistics protos only; `dqv serve` renders pages without TF's start-up."""
    from tests.unit.test_fast_paths import _modules_after

    stats = statistics_pb2.DatasetFeatureStatisticsList()
    feature = stats.datasets.add(num_examples=4).features.add(type=statistics_pb2.FeatureNameStatistics.INT)
    feature.path.step.append("x")
    feature.num_stats.histograms.add(type=statistics_pb2.Histogram.STANDARD).buckets.add(
        low_value=0, high_value=1, sample_count=4)
    (tmp_path / "FeatureStats.pb").write_bytes(stats.SerializeToString())
    _record(tmp_path, "r1", "2026-11-05", "2026-11-05T06:00:00+00:00", Outcome.PASS,
            statistics=str(tmp_path / "FeatureStats.pb"))
    heavy = _modules_after(f"""
        import datetime, pathlib, sys
        from validator.report.data import JobInfo, gather
        from validator.report import read_summary
        from validator.report.page import render_page
        from validator.history.store import FileRunStore
        report = gather(FileRunStore(pathlib.Path({str(tmp_path)!r})), [JobInfo("a")],
                        datetime.date(2026, 11, 5), read_summary)
        assert [f.name for f in report.jobs[0].features] == ["x"]
        assert render_page(report).count("<svg") == 3 + 1
    """)
    assert heavy == ""
