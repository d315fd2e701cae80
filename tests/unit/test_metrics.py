"""The metric set of a run (pure), the metrics config, and the strict exit rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

import pytest
from google.protobuf import text_format
from prometheus_client import CollectorRegistry
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from tests.conftest import REPO
from validator.config.job import load_job
from validator.core.findings import Finding, Measurement
from validator.core.outcome import Outcome, Severity
from validator.core.record import RunRecord
from validator.core.result import RunResult, Verdict
from validator.errors import ConfigError
from validator.notify.metrics import METRICS, MetricContext, build_registry, last_passing_at, missing_ratios
from validator.notify.pushgateway import pushgateway_url, redact, strict_exit_code

FEATURES = ("age", "country", "device")
STATS = text_format.Parse("""
datasets {
  num_examples: 2000
  features { path { step: "age" } type: INT num_stats { common_stats { num_missing: 91 } } }
  features { path { step: "country" } type: STRING
             string_stats { common_stats { num_missing: 0 } } }
  features { path { step: "new_col" } type: STRING
             string_stats { common_stats { num_missing: 7 } } }
}
""", statistics_pb2.DatasetFeatureStatisticsList())
CONTEXT = MetricContext(job="j", features=FEATURES,
                        last_passing_at=dt.datetime(2026, 11, 29, 5, tzinfo=dt.UTC),
                        expected_interval_seconds=93600.0)


def _record(outcome: Outcome | None, **changes: object) -> RunRecord:
    record = RunRecord(run_id="r1", job="j", ds="2026-11-10", started_at="2026-11-30T05:00:00+00:00",
                       ended_at="2026-11-30T05:00:02.500000+00:00", outcome=outcome, rows=2000,
                       bytes_read=50733)
    return dataclasses.replace(record, **changes)


def _finding(feature: str, kind: str, severity: Severity) -> Finding:
    return Finding(feature, kind, severity, "short", "a free-form <description> \"quoted\"")


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect() for s in family.samples}


def _blocked_result() -> RunResult:
    findings = (
        _finding("country", "COMPARATOR_L_INFTY_HIGH", Severity.ERROR),
        _finding("device", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", Severity.WARNING),
        _finding("new_col", "SCHEMA_NEW_COLUMN", Severity.ERROR),  # not in the schema
        _finding("(dataset)", "DATASET_HIGH_NUM_EXAMPLES", Severity.IGNORE),
        _finding("age", "not a TFDV type <b>", Severity.IGNORE),  # never a label value
    )
    measurements = (Measurement("country", "drift", "L_INFTY", 0.3712, 0.1),
                    Measurement("dropped_feature", "drift", "L_INFTY", 0.5, 0.1))
    verdict = Verdict(Outcome.BLOCK, findings, anomalies_pb2.Anomalies(), measurements)
    return RunResult(_record(Outcome.BLOCK), verdict, STATS)


def test_blocked_run_exact_metric_set() -> None:
    def job(**labels: str) -> tuple[tuple[str, str], ...]:
        return tuple(sorted({"job": "j", **labels}.items()))

    drift = {"feature": "country", "comparison": "drift", "kind": "L_INFTY"}
    expected = {
        ("dqv_last_run_timestamp_seconds", job()): 1796014802.5,
        ("dqv_last_passing_run_timestamp_seconds", job()): 1795928400.0,
        ("dqv_job_expected_interval_seconds", job()): 93600.0,
        ("dqv_run_partition_timestamp_seconds", job()): 1794268800.0,
        ("dqv_run_duration_seconds", job()): 2.5,
        ("dqv_run_rows_read", job()): 2000.0,
        ("dqv_run_read_bytes", job()): 50733.0,
        ("dqv_run_outcome", job(outcome="pass")): 0.0,
        ("dqv_run_outcome", job(outcome="warn")): 0.0,
        ("dqv_run_outcome", job(outcome="block")): 1.0,
        ("dqv_run_outcome", job(outcome="not_evaluated")): 0.0,
        ("dqv_run_outcome", job(outcome="not_ready")): 0.0,  # issue 13: a fifth outcome
        ("dqv_run_anomalies_by_severity", job(severity="error")): 2.0,
        ("dqv_run_anomalies_by_severity", job(severity="warning")): 1.0,
        ("dqv_run_anomalies_by_severity", job(severity="ignore")): 2.0,
        ("dqv_run_anomalies", job(severity="error", anomaly_type="COMPARATOR_L_INFTY_HIGH")): 1.0,
        ("dqv_run_anomalies", job(severity="error", anomaly_type="SCHEMA_NEW_COLUMN")): 1.0,
        ("dqv_run_anomalies",
         job(severity="warning", anomaly_type="ENUM_TYPE_UNEXPECTED_STRING_VALUES")): 1.0,
        ("dqv_run_anomalies", job(severity="ignore", anomaly_type="DATASET_HIGH_NUM_EXAMPLES")): 1.0,
        ("dqv_run_anomalies", job(severity="ignore", anomaly_type="UNKNOWN_TYPE")): 1.0,
        # Ignored findings do not flag a feature; features outside the schema get no series.
        ("dqv_feature_anomaly", job(feature="age")): 0.0,
        ("dqv_feature_anomaly", job(feature="country")): 1.0,
        ("dqv_feature_anomaly", job(feature="device")): 1.0,
        ("dqv_feature_missing_ratio", job(feature="age")): 0.0455,
        ("dqv_feature_missing_ratio", job(feature="country")): 0.0,
        ("dqv_feature_missing_ratio", job(feature="device")): 1.0,  # absent column
        ("dqv_feature_distance", job(**drift)): 0.3712,
        ("dqv_feature_distance_threshold", job(**drift)): 0.1,
    }
    assert _samples(build_registry(_blocked_result(), CONTEXT)) == expected


def test_label_values_are_bounded() -> None:
    samples = _samples(build_registry(_blocked_result(), CONTEXT))
    features = {v for (_, labels) in samples for k, v in labels if k == "feature"}
    assert features <= set(FEATURES)
    types = {v for (_, labels) in samples for k, v in labels if k == "anomaly_type"}
    assert types <= set(anomalies_pb2.AnomalyInfo.Type.keys())
    assert not any("description" in v or "<" in v for (_, labels) in samples for _, v in labels)


def test_not_evaluated_run_has_job_metrics_only() -> None:
    result = RunResult(_record(Outcome.NOT_EVALUATED, rows=0, bytes_read=0,
                               error="partition missing"))
    samples = _samples(build_registry(result, dataclasses.replace(CONTEXT, last_passing_at=None)))
    names = {name for name, _ in samples}
    assert not any(name.startswith("dqv_feature_") for name in names)
    assert "dqv_run_anomalies" not in names
    assert samples[("dqv_run_outcome", (("job", "j"), ("outcome", "not_evaluated")))] == 1.0
    # Never passed: 0, so "time since last pass" is huge and the stale alert fires.
    assert samples[("dqv_last_passing_run_timestamp_seconds", (("job", "j"),))] == 0.0


def test_every_metric_follows_the_naming_conventions() -> None:
    for spec in METRICS:
        assert spec.name.startswith("dqv_") and not spec.name.endswith("_total"), spec.name
        assert spec.labels[0] == "job"
        if "timestamp" in spec.name or "duration" in spec.name or "interval" in spec.name:
            assert spec.name.endswith("_seconds"), spec.name


def test_the_docs_document_every_metric() -> None:
    readme = (REPO / "docs" / "metrics-and-alerts.md").read_text()
    for spec in METRICS:
        assert f"`{spec.name}`" in readme, spec.name


def test_missing_ratio_without_rows_is_not_zero() -> None:
    empty = statistics_pb2.DatasetFeatureStatisticsList()
    empty.datasets.add(num_examples=0)
    assert missing_ratios(empty, FEATURES) == {}


def test_last_passing_is_the_latest_passing_end_time() -> None:
    def at(hour: int, outcome: Outcome | None) -> RunRecord:
        return _record(outcome, ended_at=f"2026-11-30T{hour:02d}:00:00+00:00")

    runs = [at(1, Outcome.PASS), at(2, Outcome.WARN), at(3, Outcome.BLOCK),
            at(4, Outcome.NOT_EVALUATED), _record(None, ended_at=None)]
    assert last_passing_at(runs) == dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)
    assert last_passing_at(runs[2:]) is None


def _job(tmp_path: pathlib.Path, metrics_block: str) -> pathlib.Path:
    (tmp_path / "jobs").mkdir(exist_ok=True)
    path = tmp_path / "jobs" / "training_events.yaml"
    path.write_text((REPO / "jobs" / "training_events.yaml").read_text() + metrics_block)
    return path


def test_metrics_config(tmp_path: pathlib.Path) -> None:
    job = load_job(_job(tmp_path, "metrics:\n  expected_interval: 90m\n  pushgateway_url: http://pg:9091\n"))
    assert job.metrics.expected_interval_seconds == 5400
    assert pushgateway_url(job, {"DQV_PUSHGATEWAY_URL": "http://other:9091"}) == "http://pg:9091"
    default = load_job(_job(tmp_path, ""))
    assert default.metrics.expected_interval_seconds == 26 * 3600 and not default.metrics.strict
    assert pushgateway_url(default, {"DQV_PUSHGATEWAY_URL": "http://other:9091"}) == "http://other:9091"
    assert pushgateway_url(default, {}) is None


def test_bad_interval_names_line_and_field(tmp_path: pathlib.Path) -> None:
    path = _job(tmp_path, "metrics:\n  expected_interval: daily\n")
    with pytest.raises(ConfigError) as err:
        load_job(path)
    assert err.value.field == "metrics.expected_interval"
    assert err.value.line == len(path.read_text().splitlines())
    assert "'26h'" in str(err.value)


def test_strict_exit_code(tmp_path: pathlib.Path) -> None:
    strict = load_job(_job(tmp_path, "metrics:\n  strict: true\n"))
    lenient = load_job(_job(tmp_path, ""))
    failed = _record(Outcome.PASS, delivery={"metrics": "failed: cannot push"})
    delivered = _record(Outcome.PASS, delivery={"metrics": "ok"})
    assert strict_exit_code(strict, [delivered, failed], 0) == 2
    assert strict_exit_code(strict, [delivered], 0) == 0
    assert strict_exit_code(strict, [failed], 1) == 1  # blocked already says stop
    assert strict_exit_code(lenient, [failed], 0) == 0


def test_redact_hides_credentials() -> None:
    assert redact("http://user:pw@pg.example:9091/x") == "http://pg.example:9091/x"
    assert redact("http://pg.example:9091") == "http://pg.example:9091"
