"""Runs push their metrics to a real Pushgateway, one group per job, through the CLI.

Two jobs over the same sample data (`training_events` and a copy `training_events_b`) prove that
jobs do not overwrite each other and that a job's stale series vanish on its next run. Expected
values come from the runs' own run.json, the schema and the Parquet files, not from dqv's code.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Any

import pyarrow.parquet as pq
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.conftest import REPO, dqv
from tests.support.prometheus import api, running_prometheus, wait_for
from tests.support.pushgateway import TEST_PASSWORD, TEST_USER, Pushgateway, Series, free_port

JOB_A, JOB_B = "training_events", "training_events_b"
SCHEMA = text_format.Parse((REPO / "schemas" / "training_events.pbtxt").read_text(),
                           schema_pb2.Schema())
FEATURES = {f.name for f in SCHEMA.feature}
OUTCOMES = ("pass", "warn", "block", "not_evaluated", "not_ready")  # issue 13: not_ready
RULES = REPO / "alerts" / "prometheus" / "rules.yml"
DASHBOARD = REPO / "alerts" / "grafana" / "dqv.json"


def _ts(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def _job_series(series: Series, job: str) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """{metric: {labels without job/instance: value}} for one job's dqv_ series."""
    out: dict[str, dict[frozenset[tuple[str, str]], float]] = {}
    for (name, labels), value in series.items():
        as_dict = dict(labels)
        if name.startswith("dqv_") and as_dict.get("job") == job:
            assert as_dict.pop("instance") == ""
            del as_dict["job"]
            out.setdefault(name, {})[frozenset(as_dict.items())] = value
    return out


def _one(metrics: dict[str, dict[frozenset[tuple[str, str]], float]], name: str) -> float:
    (value,) = metrics[name].values()
    return value


def _by(metrics: dict[str, dict[frozenset[tuple[str, str]], float]], name: str,
        *keys: str) -> dict[tuple[str, ...], float]:
    return {tuple(dict(labels)[k] for k in keys): v for labels, v in metrics.get(name, {}).items()}


def _missing_ratios(ds: str) -> dict[str, float]:
    """Independently of dqv: null counts in the day's Parquet file; an absent column is all missing."""
    table = pq.read_table(REPO / "sample_data" / "training_events" / f"ds={ds}" / "part-000.parquet")
    present = {name: table.column(name).null_count / table.num_rows for name in table.schema.names}
    return {name: present.get(name, 1.0) for name in FEATURES}


def _run(project: pathlib.Path, gateway: Pushgateway, *args: str) -> list[dict[str, Any]]:
    proc = dqv(*args, "--json", "--quiet", "--project-dir", str(project),
               "--artifact-root", str(project / "artifacts"),
               env={"DQV_PUSHGATEWAY_URL": gateway.url})
    data = json.loads(proc.stdout)
    records = data if isinstance(data, list) else [data]
    for record in records:
        assert record["delivery"] == {"metrics": "ok"}, proc.stderr
    return records


@pytest.fixture(scope="module")
def pushed(pushgateway: Pushgateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = tmp_path_factory.mktemp("metrics-project")
    (project / "jobs").mkdir()
    (project / "schemas").symlink_to(REPO / "schemas")
    (project / "sample_data").symlink_to(REPO / "sample_data")
    # Issue 13: a missing partition is not_ready now, so the not-evaluated run reads a partition
    # that is there but unreadable (data/ holds the sample days and one corrupt day).
    for day in (REPO / "sample_data" / "training_events").glob("ds=*"):
        (project / "data" / day.name).mkdir(parents=True)
        (project / "data" / day.name / "part-000.parquet").symlink_to(day / "part-000.parquet")
    (project / "data" / "ds=2026-12-01").mkdir()
    (project / "data" / "ds=2026-12-01" / "part-000.parquet").write_bytes(b"not parquet")
    text = (REPO / "jobs" / "training_events.yaml").read_text().replace(
        "path: sample_data/training_events", "path: data")
    (project / "jobs" / f"{JOB_A}.yaml").write_text(text)
    # B expects a passing run every second, so its stale-data alert goes off in Prometheus.
    (project / "jobs" / f"{JOB_B}.yaml").write_text(
        text.replace(f"name: {JOB_A}", f"name: {JOB_B}") + "metrics:\n  expected_interval: 1s\n")
    pushgateway.wipe()
    steps: dict[str, Any] = {}
    steps["a_runs"] = _run(project, pushgateway, "backfill", JOB_A, "--start", "2026-11-01",
                           "--end", "2026-11-10")
    steps["after_a"] = pushgateway.scrape()
    steps["b_runs"] = _run(project, pushgateway, "backfill", JOB_B, "--start", "2026-11-01",
                           "--end", "2026-11-07")
    steps["after_b"] = pushgateway.scrape()
    steps["a_clean"] = _run(project, pushgateway, "run", JOB_A, "--ds", "2026-11-11")[0]
    steps["after_a_clean"] = pushgateway.scrape()
    steps["a_missing"] = _run(project, pushgateway, "run", JOB_A, "--ds", "2026-12-01")[0]
    steps["after_a_missing"] = pushgateway.scrape()
    # A real Prometheus scrapes that state and evaluates the alert rules and dashboard queries.
    with running_prometheus(project, pushgateway.url, [RULES]) as prometheus:
        steps["alerts"] = wait_for(lambda: _alerts_when_all_seen(prometheus), "the expected alerts")
        steps["dashboard"] = {expr: api(prometheus, "/api/v1/query", query=expr.replace("$job", ".*"))
                              for expr in _dashboard_exprs()}
    return steps


EXPECTED_ALERTS = {("DqvGateBlocked", JOB_B), ("DqvNoPassingRun", JOB_B), ("DqvNotEvaluated", JOB_A)}


def _alerts_when_all_seen(prometheus: str) -> list[dict[str, Any]] | None:
    alerts: list[dict[str, Any]] = api(prometheus, "/api/v1/alerts")["alerts"]
    seen = {(a["labels"]["alertname"], a["labels"]["job"]) for a in alerts}
    return alerts if EXPECTED_ALERTS <= seen else None


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _check_run_level(metrics: dict[str, Any], record: dict[str, Any], last_passing: dict[str, Any],
                     ds: str, expected_interval: float = 26 * 3600) -> None:
    assert _one(metrics, "dqv_last_run_timestamp_seconds") == _ts(record["ended_at"])
    assert _one(metrics, "dqv_last_passing_run_timestamp_seconds") == _ts(last_passing["ended_at"])
    assert _one(metrics, "dqv_run_duration_seconds") == pytest.approx(
        _ts(record["ended_at"]) - _ts(record["started_at"]), abs=1e-6)
    assert _one(metrics, "dqv_run_partition_timestamp_seconds") == \
        dt.datetime.fromisoformat(f"{ds}T00:00:00+00:00").timestamp()
    assert _one(metrics, "dqv_run_rows_read") == 2000
    assert _one(metrics, "dqv_run_read_bytes") == record["bytes_read"] > 0
    assert _one(metrics, "dqv_job_expected_interval_seconds") == expected_interval
    assert _by(metrics, "dqv_run_outcome", "outcome") == {
        (o,): 1.0 if o == record["outcome"] else 0.0 for o in OUTCOMES}


def _check_features(metrics: dict[str, Any], record: dict[str, Any], ds: str,
                    flagged: set[str]) -> None:
    assert _by(metrics, "dqv_feature_anomaly", "feature") == {
        (f,): 1.0 if f in flagged else 0.0 for f in FEATURES}
    ratios = _by(metrics, "dqv_feature_missing_ratio", "feature")
    assert ratios == pytest.approx({(f,): r for f, r in _missing_ratios(ds).items()}, abs=1e-12)
    expected = {(m["feature"], m["comparison"], m["kind"]): (m["value"], m["threshold"])
                for m in record["measurements"]}
    assert expected, "the sample schema has drift comparators; every run after the first has a baseline"
    assert _by(metrics, "dqv_feature_distance", "feature", "comparison", "kind") == {
        k: v for k, (v, _) in expected.items()}
    assert _by(metrics, "dqv_feature_distance_threshold", "feature", "comparison", "kind") == {
        k: t for k, (_, t) in expected.items()}


def test_defective_day_drift_block_exact_values(pushed: dict[str, Any]) -> None:
    runs = {r["ds"]: r for r in pushed["a_runs"]}
    record = runs["2026-11-10"]
    assert record["outcome"] == "block"
    metrics = _job_series(pushed["after_a"], JOB_A)
    # 11-07..11-10 blocked: the last passing run is the warned 11-06.
    _check_run_level(metrics, record, runs["2026-11-06"], "2026-11-10")
    assert _by(metrics, "dqv_run_anomalies", "severity", "anomaly_type") == {
        ("error", "COMPARATOR_L_INFTY_HIGH"): 1.0,
        ("error", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"): 1.0}
    assert _by(metrics, "dqv_run_anomalies_by_severity", "severity") == {
        ("error",): 2.0, ("warning",): 0.0, ("ignore",): 0.0}
    _check_features(metrics, record, "2026-11-10", {"country", "session_duration_s"})
    distance = _by(metrics, "dqv_feature_distance", "feature", "comparison", "kind")
    threshold = _by(metrics, "dqv_feature_distance_threshold", "feature", "comparison", "kind")
    assert distance[("country", "drift", "L_INFTY")] > threshold[("country", "drift", "L_INFTY")] == 0.1


def test_second_job_has_its_own_group(pushed: dict[str, Any]) -> None:
    runs = {r["ds"]: r for r in pushed["b_runs"]}
    record = runs["2026-11-07"]
    metrics = _job_series(pushed["after_b"], JOB_B)
    _check_run_level(metrics, record, runs["2026-11-06"], "2026-11-07", expected_interval=1)
    assert _by(metrics, "dqv_run_anomalies", "severity", "anomaly_type") == {
        ("error", "SCHEMA_MISSING_COLUMN"): 1.0}
    _check_features(metrics, record, "2026-11-07", {"account_age_days"})
    assert _by(metrics, "dqv_feature_missing_ratio", "feature")[("account_age_days",)] == 1.0
    # Job A's group is untouched by job B's pushes.
    assert _job_series(pushed["after_b"], JOB_A) == _job_series(pushed["after_a"], JOB_A)
    groups = {dict(labels)["job"] for name, labels in pushed["after_b"] if name == "push_time_seconds"}
    assert groups == {JOB_A, JOB_B}


def test_clean_day_replaces_the_stale_series(pushed: dict[str, Any]) -> None:
    record = pushed["a_clean"]
    assert record["outcome"] == "pass" and record["baseline_ds"] == "2026-11-06"
    metrics = _job_series(pushed["after_a_clean"], JOB_A)
    _check_run_level(metrics, record, record, "2026-11-11")
    # Yesterday's anomaly series are gone, not left at their old values.
    assert "dqv_run_anomalies" not in metrics
    assert _by(metrics, "dqv_run_anomalies_by_severity", "severity") == {
        ("error",): 0.0, ("warning",): 0.0, ("ignore",): 0.0}
    _check_features(metrics, record, "2026-11-11", set())
    assert _job_series(pushed["after_a_clean"], JOB_B) == _job_series(pushed["after_b"], JOB_B)


def test_not_evaluated_run_pushes_its_outcome(pushed: dict[str, Any]) -> None:
    record = pushed["a_missing"]
    assert record["outcome"] == "not_evaluated" and record["error"]
    metrics = _job_series(pushed["after_a_missing"], JOB_A)
    assert _by(metrics, "dqv_run_outcome", "outcome") == {
        (o,): 1.0 if o == "not_evaluated" else 0.0 for o in OUTCOMES}
    assert _one(metrics, "dqv_run_rows_read") == 0
    # The last passing run is still the clean 11-11 run: a failing push does not lose it.
    assert _one(metrics, "dqv_last_passing_run_timestamp_seconds") == _ts(pushed["a_clean"]["ended_at"])
    assert _one(metrics, "dqv_last_run_timestamp_seconds") == _ts(record["ended_at"])
    assert not any(name.startswith("dqv_feature_") for name in metrics)


def test_prometheus_evaluates_the_rules_on_the_pushed_series(pushed: dict[str, Any]) -> None:
    """Scraped with honor_labels, the rules match the real series: A not evaluated, B blocked
    and (expected every second) stale; nothing drifted above its threshold. All are pending:
    their `for:` has not run out."""
    alerts = {(a["labels"]["alertname"], a["labels"]["job"]): a for a in pushed["alerts"]}
    assert set(alerts) == EXPECTED_ALERTS
    assert {a["state"] for a in alerts.values()} == {"pending"}
    blocked = alerts[("DqvGateBlocked", JOB_B)]
    assert blocked["labels"]["severity"] == "critical"
    assert "(ds 2026-11-07 00:00:00 +0000 UTC)" in blocked["annotations"]["description"]
    assert f"dqv history {JOB_B}" in blocked["annotations"]["action"]


def test_every_dashboard_query_returns_the_pushed_jobs(pushed: dict[str, Any]) -> None:
    for expr, data in pushed["dashboard"].items():
        jobs = {series["metric"].get("job") for series in data["result"]}
        assert jobs and jobs <= {JOB_A, JOB_B}, expr


# --- Pushgateway down or misconfigured ----------------------------------------------------------

def _project_with(tmp_project: pathlib.Path, metrics_block: str) -> pathlib.Path:
    job = tmp_project / "jobs" / f"{JOB_A}.yaml"
    job.write_text(job.read_text() + metrics_block)
    return tmp_project


def _record_on_disk(record: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pathlib.Path(record["artifact_dir"]) / "run.json").read_text())
    return data


def test_pushgateway_down_keeps_verdict_and_records_failure(tmp_project: pathlib.Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {"DQV_PUSHGATEWAY_URL": url}
    root = str(tmp_project / "artifacts")
    blocked = dqv("run", JOB_A, "--ds", "2026-11-07", "--json", "--project-dir", str(tmp_project),
                  "--artifact-root", root, env=env)
    assert blocked.returncode == 1, blocked.stderr
    record = json.loads(blocked.stdout)
    assert record["outcome"] == "block"
    for seen in (record, _record_on_disk(record)):
        assert seen["delivery"]["metrics"].startswith(
            f"failed: cannot push metrics to the Pushgateway at {url} (")
    assert "metrics delivery failed: cannot push metrics" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    clean = dqv("run", JOB_A, "--ds", "2026-11-01", "--json", "--quiet", "--project-dir",
                str(tmp_project), "--artifact-root", root, env=env)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["outcome"] == "pass"


def test_strict_metrics_turn_an_undelivered_pass_into_exit_2(tmp_project: pathlib.Path) -> None:
    project = _project_with(tmp_project, "metrics:\n  strict: true\n  pushgateway_url: "
                            f"http://dqv:s3cret-pw@127.0.0.1:{free_port()}\n")
    proc = dqv("run", JOB_A, "--ds", "2026-11-01", "--json", "--project-dir", str(project),
               "--artifact-root", str(project / "artifacts"))
    assert proc.returncode == 2, proc.stderr
    record = json.loads(proc.stdout)
    assert record["outcome"] == "pass"  # the verdict itself is unchanged
    assert _record_on_disk(record)["delivery"]["metrics"].startswith("failed: cannot push")
    assert "metrics.strict: exit 2" in proc.stderr
    # The password in the URL appears nowhere.
    assert "s3cret-pw" not in proc.stderr + proc.stdout
    assert "s3cret-pw" not in (pathlib.Path(record["artifact_dir"]) / "run.json").read_text()


def test_strict_metrics_delivered_keep_exit_0(tmp_project: pathlib.Path,
                                              pushgateway: Pushgateway) -> None:
    project = _project_with(tmp_project, f"metrics:\n  strict: true\n  pushgateway_url: {pushgateway.url}\n")
    proc = dqv("run", JOB_A, "--ds", "2026-11-01", "--json", "--quiet", "--project-dir",
               str(project), "--artifact-root", str(project / "artifacts"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["delivery"] == {"metrics": "ok"}


def test_strict_metrics_without_a_url_is_a_config_error(tmp_project: pathlib.Path) -> None:
    project = _project_with(tmp_project, "metrics:\n  strict: true\n")
    proc = dqv("run", JOB_A, "--ds", "2026-11-01", "--project-dir", str(project),
               env={"DQV_PUSHGATEWAY_URL": ""})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "field 'metrics.strict'" in lines[0] and "DQV_PUSHGATEWAY_URL" in lines[0]


def test_basic_auth_from_the_url_is_used_and_never_shown(tmp_project: pathlib.Path,
                                                         auth_pushgateway: Pushgateway) -> None:
    host = auth_pushgateway.url.removeprefix("http://")
    root = str(tmp_project / "artifacts")
    good = dqv("run", JOB_A, "--ds", "2026-11-07", "--json", "--project-dir", str(tmp_project),
               "--artifact-root", root,
               env={"DQV_PUSHGATEWAY_URL": f"http://{TEST_USER}:{TEST_PASSWORD}@{host}"})
    assert good.returncode == 1, good.stderr
    record = json.loads(good.stdout)
    assert record["delivery"] == {"metrics": "ok"}, good.stderr
    metrics = _job_series(auth_pushgateway.scrape(), JOB_A)
    assert _by(metrics, "dqv_run_outcome", "outcome")[("block",)] == 1.0
    wrong = dqv("run", JOB_A, "--ds", "2026-11-01", "--json", "--project-dir", str(tmp_project),
                "--artifact-root", root,
                env={"DQV_PUSHGATEWAY_URL": f"http://{TEST_USER}:not-{TEST_PASSWORD}@{host}"})
    assert wrong.returncode == 0, wrong.stderr
    failed = json.loads(wrong.stdout)
    assert failed["delivery"]["metrics"] == (f"failed: cannot push metrics to the Pushgateway at "
                                             f"{auth_pushgateway.url} (Unauthorized); check that it "
                                             "is up and the URL in DQV_PUSHGATEWAY_URL or the job's "
                                             "metrics.pushgateway_url")
    # The rejected run did not replace the group.
    assert _by(_job_series(auth_pushgateway.scrape(), JOB_A), "dqv_run_outcome", "outcome")[("block",)] == 1.0
    for proc, rec in ((good, record), (wrong, failed)):
        assert TEST_PASSWORD not in proc.stdout + proc.stderr
        assert TEST_PASSWORD not in (pathlib.Path(rec["artifact_dir"]) / "run.json").read_text()
