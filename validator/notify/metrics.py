"""The Prometheus metric set of one run, built from its result. Pure: no I/O.

Every metric is a gauge describing the job's latest run (the Pushgateway keeps one group per
job and replaces it on each push), so none is a counter and none ends in `_total`.
Label values are bounded: `feature` comes from the job's schema, `anomaly_type` from TFDV's
`AnomalyInfo.Type` enum, `kind` from TFDV's drift/skew measurement enum, `severity` and
`outcome` from dqv's own enums. Free-form values (data values, descriptions, paths) never
become labels. Every metric and label is documented in docs/metrics-and-alerts.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from prometheus_client import CollectorRegistry, Gauge
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from validator.core.monitors import DATASET, MONITOR_ANOMALY_TYPES, MonitorResult
from validator.core.outcome import Outcome, Severity
from validator.core.record import RunRecord
from validator.core.result import RunResult
from validator.stats.view import common_stats, feature_name, missing_ratio

ANOMALY_TYPES = frozenset(anomalies_pb2.AnomalyInfo.Type.keys()) | frozenset(MONITOR_ANOMALY_TYPES)
UNKNOWN_ANOMALY_TYPE = "UNKNOWN_TYPE"  # TFDV's own name for enum value 0
MEASUREMENT_KINDS = frozenset(anomalies_pb2.DriftSkewInfo.Measurement.Type.keys())
COMPARISONS = ("drift", "skew")


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    name: str
    help: str
    labels: tuple[str, ...]


_FEATURE_DISTANCE_LABELS = ("job", "feature", "comparison", "kind")
_MONITOR_LABELS = ("job", "monitor", "feature", "metric")  # monitor: volume, freshness, metric
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("dqv_last_run_timestamp_seconds",
               "Unix time the job's latest run ended.", ("job",)),
    MetricSpec("dqv_last_passing_run_timestamp_seconds",
               "Unix time the job's latest passing (pass or warn) run ended, from the run "
               "history; 0 if the job never passed.", ("job",)),
    MetricSpec("dqv_job_expected_interval_seconds",
               "Longest normal gap between passing runs (job metrics.expected_interval).",
               ("job",)),
    MetricSpec("dqv_run_partition_timestamp_seconds",
               "The ds the latest run validated, as Unix time of its midnight UTC.", ("job",)),
    MetricSpec("dqv_run_duration_seconds", "Wall-clock duration of the latest run.", ("job",)),
    MetricSpec("dqv_run_rows_read", "Rows the latest run read.", ("job",)),
    MetricSpec("dqv_run_read_bytes", "Bytes the latest run read from its source.", ("job",)),
    MetricSpec("dqv_run_outcome",
               "1 for the latest run's outcome, 0 for the other outcomes.", ("job", "outcome")),
    MetricSpec("dqv_run_anomalies_by_severity",
               "Anomalies the latest run found, by severity (0 when none).", ("job", "severity")),
    MetricSpec("dqv_run_anomalies",
               "Anomalies the latest run found, by severity and TFDV anomaly type; only "
               "combinations that occurred.", ("job", "severity", "anomaly_type")),
    MetricSpec("dqv_feature_anomaly",
               "1 if the schema feature has a reported (warning or error) anomaly, else 0.",
               ("job", "feature")),
    MetricSpec("dqv_feature_missing_ratio",
               "Fraction of rows in which the schema feature is missing (1 when the column is "
               "absent).", ("job", "feature")),
    MetricSpec("dqv_feature_distance",
               "Drift (vs the baseline run) or skew (vs the reference) distance of the feature.",
               _FEATURE_DISTANCE_LABELS),
    MetricSpec("dqv_feature_distance_threshold",
               "The schema's threshold for that distance; above it TFDV reports an anomaly.",
               _FEATURE_DISTANCE_LABELS),
    MetricSpec("dqv_monitor_value",
               "Value a history monitor judged in the latest run (rows, a column metric, the "
               "share of events outside the ds); absent while the monitor is learning.",
               _MONITOR_LABELS),
    MetricSpec("dqv_monitor_band_lower",
               "Lower edge of the band the monitor learned from the job's history (-Inf: open).",
               _MONITOR_LABELS),
    MetricSpec("dqv_monitor_band_upper",
               "Upper edge of the band the monitor learned from the job's history (+Inf: open).",
               _MONITOR_LABELS),
    MetricSpec("dqv_monitor_fired",
               "1 if the monitor fired in the latest run (out of band, duplicate, stale or "
               "partial partition), 0 if it judged the partition normal; absent while learning.",
               _MONITOR_LABELS),
)
METRIC_NAMES = frozenset(spec.name for spec in METRICS)


@dataclasses.dataclass(frozen=True)
class MetricContext:
    """What the metrics need beyond the run's result."""

    job: str
    features: Sequence[str]  # the schema's feature names: the only values of `feature`
    last_passing_at: dt.datetime | None  # from the run history; None if never passed
    expected_interval_seconds: float


class _Put(Protocol):
    """Sets one gauge of the job; None values are left out."""

    def __call__(self, name: str, value: float | None, **labels: str) -> None: ...


def last_passing_at(records: Sequence[RunRecord]) -> dt.datetime | None:
    """When the latest passing run ended (wall clock, not ds: the stale-data alert asks how long
    training has had no good data, whatever partitions a backfill re-checked meanwhile)."""
    ends = [dt.datetime.fromisoformat(r.ended_at) for r in records
            if r.outcome is not None and r.outcome.is_passing and r.ended_at]
    return max(ends, default=None)


def anomaly_type_label(name: str) -> str:
    return name if name in ANOMALY_TYPES else UNKNOWN_ANOMALY_TYPE


def _timestamp(text: str | None) -> float | None:
    return dt.datetime.fromisoformat(text).timestamp() if text else None


def _partition_timestamp(record: RunRecord) -> float | None:
    if not record.ds:
        return None
    day = dt.date.fromisoformat(record.ds)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def missing_ratios(statistics: statistics_pb2.DatasetFeatureStatisticsList,
                   features: Sequence[str]) -> dict[str, float]:
    """num_missing / num_examples per schema feature; an absent column is missing everywhere.
    Empty when there are no rows (a ratio of nothing is not 0)."""
    if not statistics.datasets or statistics.datasets[0].num_examples == 0:
        return {}
    dataset = statistics.datasets[0]
    total = int(dataset.num_examples)
    common = {feature_name(f): common_stats(f) for f in dataset.features}
    return {name: missing_ratio(common.get(name), total) or 0.0 for name in features}


def build_registry(result: RunResult, context: MetricContext) -> CollectorRegistry:
    """The metric set of one run, ready to push as the job's group."""
    registry = CollectorRegistry()
    gauges = {spec.name: Gauge(spec.name, spec.help, spec.labels, registry=registry)
              for spec in METRICS}
    record, job = result.record, context.job

    def put(name: str, value: float | None, **labels: str) -> None:
        if value is not None:
            gauges[name].labels(job=job, **labels).set(value)

    put("dqv_last_run_timestamp_seconds", _timestamp(record.ended_at or record.started_at))
    put("dqv_last_passing_run_timestamp_seconds",
        context.last_passing_at.timestamp() if context.last_passing_at else 0.0)
    put("dqv_job_expected_interval_seconds", context.expected_interval_seconds)
    put("dqv_run_partition_timestamp_seconds", _partition_timestamp(record))
    started, ended = _timestamp(record.started_at), _timestamp(record.ended_at)
    put("dqv_run_duration_seconds", ended - started if started and ended else None)
    put("dqv_run_rows_read", float(record.rows))
    put("dqv_run_read_bytes", float(record.bytes_read))
    for outcome in Outcome:
        put("dqv_run_outcome", 1.0 if outcome is result.outcome else 0.0, outcome=outcome.value)
    _anomalies(result, context, put)
    if result.statistics is not None:
        for name, ratio in missing_ratios(result.statistics, context.features).items():
            put("dqv_feature_missing_ratio", ratio, feature=name)
    _distances(result, context, put)
    _monitors(result, context, put)
    return registry


def _monitors(result: RunResult, context: MetricContext, put: _Put) -> None:
    """Observed value and band edges of every monitor that judged the partition."""
    features = {*context.features, DATASET}
    for data in result.record.monitors:
        monitor = MonitorResult.from_json(data)
        if monitor.feature not in features or monitor.status not in ("ok", "fired"):
            continue
        labels = {"monitor": monitor.key.split(":")[0], "feature": monitor.feature,
                  "metric": monitor.metric}
        put("dqv_monitor_fired", 1.0 if monitor.fired else 0.0, **labels)
        put("dqv_monitor_value", monitor.observed, **labels)
        if monitor.band is not None:
            put("dqv_monitor_band_lower", monitor.band.lower, **labels)
            put("dqv_monitor_band_upper", monitor.band.upper, **labels)


def _anomalies(result: RunResult, context: MetricContext, put: _Put) -> None:
    findings = result.verdict.findings if result.verdict is not None else ()
    by_severity = {severity: 0 for severity in Severity}
    by_type: dict[tuple[str, str], int] = {}
    flagged: set[str] = set()
    for finding in findings:
        by_severity[finding.severity] += 1
        key = (finding.severity.value, anomaly_type_label(finding.anomaly_type))
        by_type[key] = by_type.get(key, 0) + 1
        if finding.severity is not Severity.IGNORE:
            flagged.add(finding.feature)
    for severity, count in by_severity.items():
        put("dqv_run_anomalies_by_severity", float(count), severity=severity.value)
    for (severity_name, anomaly_type), count in sorted(by_type.items()):
        put("dqv_run_anomalies", float(count), severity=severity_name, anomaly_type=anomaly_type)
    if result.verdict is None:
        return  # not evaluated: no per-feature verdict to show
    for name in context.features:
        put("dqv_feature_anomaly", 1.0 if name in flagged else 0.0, feature=name)


def _distances(result: RunResult, context: MetricContext, put: _Put) -> None:
    if result.verdict is None:
        return
    features = set(context.features)
    for m in result.verdict.measurements:
        if m.feature not in features or m.kind not in MEASUREMENT_KINDS \
                or m.comparison not in COMPARISONS:
            continue
        labels = {"feature": m.feature, "comparison": m.comparison, "kind": m.kind}
        put("dqv_feature_distance", float(m.value), **labels)
        put("dqv_feature_distance_threshold", float(m.threshold), **labels)
