"""The metric history in ML Metadata (and as JSON lines for a FileRunStore): one query per job
and window, the latest run of a ds wins, other jobs and other days stay out."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from validator.core.run_metrics import FeatureMetrics, HistoryPoint, PartitionMetrics
from validator.errors import StoreError
from validator.history.metric_history import JsonlMetricHistory, MetricHistory, MlmdMetricHistory, open_for
from validator.history.mlmd_store import MlmdRunStore
from validator.history.store import FileRunStore

DAY = dt.date(2026, 3, 2)


def _point(n: int, rows: int, **extra: object) -> HistoryPoint:
    metrics = PartitionMetrics(rows=rows, bytes=10 * rows, fingerprint=f"f{n}",
                               event_quantiles=(1.0, 2.0),
                               features={"age": FeatureMetrics(missing_ratio=0.05, mean=36.0)})
    return HistoryPoint(ds=DAY + dt.timedelta(days=n), run_id=f"r{n}-{rows}", metrics=metrics,
                        **extra)  # type: ignore[arg-type]


@pytest.fixture(params=["mlmd", "jsonl"])
def history(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> MetricHistory:
    store = MlmdRunStore(tmp_path) if request.param == "mlmd" else FileRunStore(tmp_path)
    found = open_for(store)
    assert isinstance(found, MlmdMetricHistory if request.param == "mlmd" else JsonlMetricHistory)
    return found


def test_window_latest_run_per_ds_and_round_trip(history: MetricHistory) -> None:
    for n in range(10):
        history.put("events", _point(n, 1000 + n))
    rerun = _point(4, 555, blocked=True, base_blocked=False, flagged=frozenset({"volume"}))
    history.put("events", rerun)
    history.put("other", _point(5, 7))
    points = history.points("events", DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=7))
    assert [p.ds.day for p in points] == [4, 5, 6, 7, 8]  # [start, end)
    assert points[2] == rerun  # the re-run of 03-06 replaced the first run of that ds
    assert points[0] == _point(2, 1002)


def test_a_job_name_is_never_quoted_into_a_filter(tmp_path: pathlib.Path) -> None:
    history = MlmdMetricHistory(MlmdRunStore(tmp_path).session)
    with pytest.raises(StoreError):
        history.points("x' OR '1'='1", DAY, DAY + dt.timedelta(days=1))
