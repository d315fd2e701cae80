"""What the history monitors add to one run, with 365 days of recorded history (target < 100 ms).

    python -m tests.bench.monitors [--days 365] [--features 15] [--repeat 20]

Seeds an ML Metadata SQLite store in a temporary folder with one metric-history point per day
(weekly volume pattern, `--features` features), then times the monitor step of one run as the
runner does it: metrics from the statistics proto, the one history query, the detector, the
findings, and storing the run's point. Prints the median and the worst of `--repeat` runs,
for the default monitors and with column monitors on every feature (3 metrics each).
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import statistics
import tempfile
import time
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.config.job import SeverityConfig
from validator.core import monitors
from validator.core.monitor_settings import ColumnMonitor, MonitorsConfig
from validator.core.run_metrics import HistoryPoint
from validator.history.metric_history import MlmdMetricHistory
from validator.history.mlmd_store import MlmdRunStore
from validator.stats.metrics_view import partition_metrics

FIRST = dt.date(2025, 11, 1)
TARGET_MS = 100


def statistics_for(day: dt.date, n: int, features: int) -> statistics_pb2.DatasetFeatureStatisticsList:
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    rows = (600 if day.weekday() >= 5 else 1000) + (n * 7919) % 37
    dataset = stats.datasets.add(num_examples=rows)
    for i in range(features):
        feature = dataset.features.add()
        feature.path.step.append(f"f{i:02d}")
        if i % 3 == 2:
            text = feature.string_stats
            text.common_stats.num_non_missing = rows - (n + i) % 20
            text.common_stats.avg_num_values = 1
            text.unique = 8 + (n % 3)
            text.avg_length = 5.5
            text.top_values.add(value="a", frequency=rows // 3)
        else:
            num = feature.num_stats
            num.common_stats.num_non_missing = rows - (n + i) % 30
            num.common_stats.avg_num_values = 1
            num.mean, num.std_dev, num.min, num.max = 36.0 + n % 5, 11.0, 0.0, 99.0 + n % 4
            histogram = num.histograms.add(type=statistics_pb2.Histogram.QUANTILES)
            for b in range(10):
                histogram.buckets.add(low_value=b * 10.0, high_value=b * 10.0 + 10,
                                      sample_count=rows / 10)
    return stats


def seed(history: MlmdMetricHistory, days: int, features: int) -> None:
    for n in range(days):
        day = FIRST + dt.timedelta(days=n)
        metrics = partition_metrics(statistics_for(day, n, features), 50_000 + n)
        history.put("bench", HistoryPoint(ds=day, run_id=f"r{n}", metrics=metrics))


def one_run(history: MlmdMetricHistory, ds: dt.date, stats: statistics_pb2.DatasetFeatureStatisticsList,
            config: MonitorsConfig) -> tuple[float, float, float]:
    """Seconds to read the history, to judge (metrics, detector, findings) and to store the
    run's point: the monitor step of one run, as validator/run/monitoring.py does it."""
    t0 = time.perf_counter()
    earlier = history.points("bench", ds - dt.timedelta(days=config.read_days), ds)
    t1 = time.perf_counter()
    metrics = partition_metrics(stats, 50_000)
    results = monitors.evaluate(earlier, metrics, ds, config)
    monitors.to_findings(results, SeverityConfig())
    t2 = time.perf_counter()
    history.put("bench-current", HistoryPoint(ds=ds, run_id="now", metrics=metrics,
                                              flagged=monitors.flagged(results)))
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def bench_monitors(days: int = 365, features: int = 15, repeat: int = 20) -> dict[str, Any]:
    """Milliseconds of the monitor step per setup: median total and parts, and the worst."""
    with tempfile.TemporaryDirectory() as folder:
        history = MlmdMetricHistory(MlmdRunStore(pathlib.Path(folder)).session)
        seed(history, days, features)
        ds = FIRST + dt.timedelta(days=days)
        stats = statistics_for(ds, days, features)
        setups = {
            "default (volume, duplicate; 90 days read)": MonitorsConfig(),
            f"+ column monitors ({features} features x 3 metrics)": MonitorsConfig(
                columns=[ColumnMonitor(feature="*", metrics=["missing_ratio", "mean", "distinct"])]),
            f"default, reading all {days} days": MonitorsConfig(
                duplicate={"lookback_days": days}),  # type: ignore[arg-type]
        }
        out: dict[str, Any] = {"days": days, "features": features, "repeat": repeat,
                               "target_ms": TARGET_MS, "setups": {}}
        for name, config in setups.items():
            runs = [one_run(history, ds, stats, config) for _ in range(repeat)]
            parts = [statistics.median(p) * 1000 for p in zip(*runs, strict=True)]
            total = [sum(r) * 1000 for r in runs]
            out["setups"][name] = {"total_ms": round(statistics.median(total), 1),
                                   **{f"{k}_ms": round(v, 1) for k, v in zip(
                                       ("read", "judge", "store"), parts, strict=True)},
                                   "worst_ms": round(max(total), 1)}
    return out


def report(result: dict[str, Any]) -> str:
    lines = [f"monitor step of one run, {result['days']} days of history, {result['features']} "
             f"features, median of {result['repeat']} (ms; target < {result['target_ms']} ms):",
             f"  {'':<52} {'total':>7} {'read':>7} {'judge':>7} {'store':>7} {'worst':>7}"]
    for name, ms in result["setups"].items():
        lines.append(f"  {name:<52} " + " ".join(f"{ms[k]:7.1f}" for k in (
            "total_ms", "read_ms", "judge_ms", "store_ms", "worst_ms")))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--features", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(report(bench_monitors(args.days, args.features, args.repeat)))


if __name__ == "__main__":
    main()
