"""End to end through the CLI: every sample day gets the verdict and the findings its
injected defect calls for (sample_data/generate.py documents the defects)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

CLEAN = {"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-11"}
EXPECTED: dict[str, tuple[int, str, set[tuple[str, str, str]]]] = {
    "2026-11-06": (0, "warn", {("device", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "warning")}),
    "2026-11-07": (1, "block", {("account_age_days", "SCHEMA_MISSING_COLUMN", "error")}),
    "2026-11-08": (1, "block", {("age", "INT_TYPE_SMALL_INT", "error"),
                                ("age", "INT_TYPE_BIG_INT", "error")}),
    "2026-11-09": (1, "block", {("cart_value", "UNEXPECTED_DATA_TYPE", "error"),
                                ("cart_value", "FEATURE_TYPE_NOT_PRESENT", "error")}),
    "2026-11-10": (1, "block", {("country", "COMPARATOR_L_INFTY_HIGH", "error"),
                                ("session_duration_s", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH",
                                 "error")}),
}


def _findings(record: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["feature"], f["anomaly_type"], f["severity"]) for f in record["findings"]}


@pytest.mark.parametrize("ds", sorted(CLEAN))
def test_clean_day_passes(sample_runs: dict[str, Any], ds: str) -> None:
    run = sample_runs[ds]
    assert run["exit"] == 0, run["stderr"]
    assert run["record"]["outcome"] == "pass"
    assert run["record"]["findings"] == []
    assert run["record"]["rows"] == 2000


@pytest.mark.parametrize("ds", sorted(EXPECTED))
def test_defective_day_names_its_defect(sample_runs: dict[str, Any], ds: str) -> None:
    exit_code, outcome, findings = EXPECTED[ds]
    run = sample_runs[ds]
    assert run["exit"] == exit_code, run["stderr"]
    assert run["record"]["outcome"] == outcome
    assert _findings(run["record"]) == findings


def test_unparseable_values_are_described(sample_runs: dict[str, Any]) -> None:
    finding = next(f for f in sample_runs["2026-11-09"]["record"]["findings"]
                   if f["anomaly_type"] == "UNEXPECTED_DATA_TYPE")
    assert "do not parse as FLOAT" in finding["description"]
    assert "'$" in finding["description"]  # an example of the bad values is quoted


def test_drift_is_measured_against_the_last_passing_run(sample_runs: dict[str, Any]) -> None:
    record = sample_runs["2026-11-10"]["record"]
    # 11-07..11-09 were blocked; the last passing day before 11-10 is the warned 11-06.
    assert record["baseline_ds"] == "2026-11-06"
    baseline = sample_runs["2026-11-06"]["record"]
    assert record["baseline_run_id"] == baseline["run_id"]
    drift = {(m["feature"], m["kind"]): m for m in record["measurements"] if m["comparison"] == "drift"}
    country = drift[("country", "L_INFTY")]
    assert country["value"] > country["threshold"] == pytest.approx(0.1)
    duration = drift[("session_duration_s", "JENSEN_SHANNON_DIVERGENCE")]
    assert duration["value"] > duration["threshold"] == pytest.approx(0.15)
    # Clean days stay under the thresholds the schema sets.
    for ds in ("2026-11-02", "2026-11-05", "2026-11-11"):
        for m in sample_runs[ds]["record"]["measurements"]:
            assert m["value"] <= m["threshold"], (ds, m)


def test_blocked_days_are_never_baselines(sample_runs: dict[str, Any]) -> None:
    blocked = {sample_runs[ds]["record"]["run_id"] for ds in ("2026-11-07", "2026-11-08", "2026-11-09")}
    for ds in ("2026-11-08", "2026-11-09", "2026-11-10", "2026-11-11"):
        assert sample_runs[ds]["record"]["baseline_run_id"] not in blocked


def test_artifacts_are_written_in_tfx_formats(sample_runs: dict[str, Any]) -> None:
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

    record = sample_runs["2026-11-08"]["record"]
    folder = pathlib.Path(record["artifact_dir"])
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    stats.ParseFromString((folder / "FeatureStats.pb").read_bytes())
    assert stats.datasets[0].num_examples == 2000
    anomalies = text_format.Parse((folder / "anomalies.pbtxt").read_text(), anomalies_pb2.Anomalies())
    assert set(anomalies.anomaly_info) == {"age"}
    on_disk = json.loads((folder / "run.json").read_text())
    assert on_disk["outcome"] == "block" and on_disk["ds"] == "2026-11-08"
    assert set(on_disk["timings"]) >= {"read_and_statistics", "validate"}


def test_human_summary_names_defects(run_dqv: Any, tmp_path: pathlib.Path) -> None:
    proc = run_dqv("run", "training_events", "--ds", "2026-11-08", "--artifact-root", str(tmp_path),
                   "--quiet")
    assert proc.returncode == 1
    assert "BLOCK" in proc.stdout
    assert "INT_TYPE_SMALL_INT" in proc.stdout and "age" in proc.stdout


def test_backfill_runs_days_in_order_and_exits_with_the_worst(run_dqv: Any, tmp_path: pathlib.Path
                                                              ) -> None:
    proc = run_dqv("backfill", "training_events", "--start", "2026-11-05", "--end", "2026-11-07",
                   "--artifact-root", str(tmp_path), "--quiet", "--json")
    records = json.loads(proc.stdout)
    assert [r["outcome"] for r in records] == ["pass", "warn", "block"]
    assert records[2]["baseline_ds"] == "2026-11-06"
    assert proc.returncode == 1
