"""Monitors in the Prometheus metric set: observed value and band edges as gauges, with
bounded labels (schema features and "(dataset)" only), and their anomaly types as labels."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry
from tensorflow_metadata.proto.v0 import anomalies_pb2

from validator.config.job import SeverityConfig
from validator.core import monitors
from validator.core.findings import outcome_of
from validator.core.monitor_settings import ColumnMonitor, MonitorsConfig
from validator.core.record import RunRecord
from validator.core.run_metrics import FeatureMetrics, HistoryPoint, PartitionMetrics
from validator.notify.metrics import MetricContext, build_registry
from validator.run.runner import RunResult
from validator.validation.validate import Verdict

DS = dt.date(2026, 4, 1)
CONFIG = MonitorsConfig(columns=[ColumnMonitor(feature="*", metrics=["missing_ratio"])])


def _point(n: int) -> HistoryPoint:
    features = {"age": FeatureMetrics(missing_ratio=0.05), "new_col": FeatureMetrics(missing_ratio=0.0)}
    return HistoryPoint(ds=DS - dt.timedelta(days=20 - n), run_id=f"r{n}",
                        metrics=PartitionMetrics(rows=1000 + n % 3, fingerprint=f"f{n}",
                                                 features=features))


def _result(rows: int) -> RunResult:
    current = PartitionMetrics(rows=rows, fingerprint="now", features={
        "age": FeatureMetrics(missing_ratio=0.05), "new_col": FeatureMetrics(missing_ratio=0.0)})
    results = monitors.evaluate([_point(n) for n in range(20)], current, DS, CONFIG)
    findings = monitors.to_findings(results, SeverityConfig())
    record = RunRecord(run_id="r", job="j", ds=DS.isoformat(), started_at="2026-04-02T05:00:00+00:00",
                       ended_at="2026-04-02T05:00:01+00:00", outcome=outcome_of(findings), rows=rows,
                       monitors=[r.to_json() for r in results])
    verdict = Verdict(outcome_of(findings), findings, anomalies_pb2.Anomalies())
    return RunResult(record, verdict)


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect() for s in family.samples}


def _labels(feature: str, metric: str, monitor: str) -> tuple[tuple[str, str], ...]:
    return (("feature", feature), ("job", "j"), ("metric", metric), ("monitor", monitor))


def test_volume_value_band_and_fired_are_gauges() -> None:
    context = MetricContext(job="j", features=("age",), last_passing_at=None,
                            expected_interval_seconds=93600.0)
    samples = _samples(build_registry(_result(551), context))
    volume = _labels("(dataset)", "rows", "volume")
    assert samples[("dqv_monitor_value", volume)] == 551
    assert samples[("dqv_monitor_fired", volume)] == 1
    lower, upper = samples[("dqv_monitor_band_lower", volume)], samples[("dqv_monitor_band_upper", volume)]
    assert 551 < lower < 1001 < upper
    assert samples[("dqv_run_anomalies", (("anomaly_type", "VOLUME_LOW"), ("job", "j"),
                                          ("severity", "error")))] == 1
    age = _labels("age", "missing_ratio", "metric")
    assert samples[("dqv_monitor_fired", age)] == 0
    # new_col is not a schema feature: no series for it (bounded labels).
    assert not any(dict(labels).get("feature") == "new_col" for _, labels in samples)


def test_a_normal_day_reports_zero_fired() -> None:
    context = MetricContext(job="j", features=("age",), last_passing_at=None,
                            expected_interval_seconds=93600.0)
    samples = _samples(build_registry(_result(1001), context))
    assert samples[("dqv_monitor_fired", _labels("(dataset)", "rows", "volume"))] == 0
