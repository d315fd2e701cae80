"""The alerting assets checked by the real tools: promtool (rules and their unit tests), amtool
(the Alertmanager example and its routes), and the Grafana dashboard against dqv's metric set."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from validator.notify.metrics import METRIC_NAMES

PROMETHEUS = REPO / "alerts" / "prometheus"
RULES = PROMETHEUS / "rules.yml"
RULE_TESTS = PROMETHEUS / "rules_test.yml"
ALERTMANAGER = PROMETHEUS / "alertmanager.yml"
DASHBOARD = REPO / "alerts" / "grafana" / "dqv.json"
REQUIRED_ALERTS = {"DqvGateBlocked", "DqvNotEvaluated", "DqvNoPassingRun", "DqvDriftAboveThreshold"}
# Series the Pushgateway itself adds to every group.
PUSHGATEWAY_SERIES = {"push_time_seconds", "push_failure_time_seconds"}
METRIC_TOKEN = re.compile(r"\b(dqv_[a-z0-9_]+|push_[a-z_]+)\b")


def _tool(*args: str, cwd: pathlib.Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed; run `make system-deps`")
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


def _rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def test_promtool_check_rules() -> None:
    proc = _tool("promtool", "check", "rules", str(RULES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in proc.stdout


def test_promtool_rule_unit_tests_pass() -> None:
    proc = _tool("promtool", "test", "rules", str(RULE_TESTS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_every_rule_is_tested_firing_and_not_firing() -> None:
    alerts = {rule["alert"] for rule in _rules()}
    assert REQUIRED_ALERTS <= alerts
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    cases = [case for test in tests for case in test.get("alert_rule_test", [])]
    fires = {c["alertname"] for c in cases if c.get("exp_alerts")}
    quiet = {c["alertname"] for c in cases if not c.get("exp_alerts")}
    assert fires == alerts, f"rules without a firing case: {alerts - fires}"
    assert quiet == alerts, f"rules without a not-firing case: {alerts - quiet}"


def test_every_alert_has_severity_for_and_guidance() -> None:
    for rule in _rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert re.fullmatch(r"\d+m", rule["for"]), rule["alert"]
        annotations = rule["annotations"]
        assert {"summary", "description", "action"} <= set(annotations), rule["alert"]
        assert "dqv history {{ $labels.job }}" in annotations["action"], rule["alert"]


def test_rule_tests_catch_a_broken_rule(tmp_path: pathlib.Path) -> None:
    """The unit tests are not vacuous: a rule that never fires makes them fail."""
    broken = RULES.read_text().replace('dqv_run_outcome{outcome="block"} == 1',
                                       'dqv_run_outcome{outcome="block"} == 2')
    assert broken != RULES.read_text()
    (tmp_path / "rules.yml").write_text(broken)
    shutil.copy(RULE_TESTS, tmp_path / "rules_test.yml")
    proc = _tool("promtool", "test", "rules", "rules_test.yml", cwd=tmp_path)
    assert proc.returncode != 0
    assert "DqvGateBlocked" in proc.stdout + proc.stderr


def test_rules_use_only_metrics_dqv_pushes() -> None:
    used = set(METRIC_TOKEN.findall(RULES.read_text()))
    assert used, "the rules reference dqv metrics"
    assert used <= METRIC_NAMES | PUSHGATEWAY_SERIES, used - METRIC_NAMES


def test_amtool_check_config() -> None:
    proc = _tool("amtool", "check-config", str(ALERTMANAGER))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout and "2 receivers" in proc.stdout


@pytest.mark.parametrize(("labels", "receiver"), [
    (["alertname=DqvGateBlocked", "severity=critical", "job=training_events"], "data-quality-oncall"),
    (["alertname=DqvNoPassingRun", "severity=critical", "job=training_events"], "data-quality-oncall"),
    (["alertname=DqvDriftAboveThreshold", "severity=warning", "job=training_events"], "data-quality"),
])
def test_alertmanager_routes_dqv_alerts_to_slack(labels: list[str], receiver: str) -> None:
    proc = _tool("amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER}",
                 f"--verify.receivers={receiver}", *labels)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load(ALERTMANAGER.read_text())
    (found,) = [r for r in config["receivers"] if r["name"] == receiver]
    assert found["slack_configs"][0]["send_resolved"] is True


def _dashboard_exprs() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [(panel["title"], target["expr"]) for panel in dashboard["panels"]
             for target in panel["targets"]]
    assert all(panel["targets"] for panel in dashboard["panels"])
    return exprs


def test_grafana_dashboard_queries_existing_metrics() -> None:
    exprs = _dashboard_exprs()
    used = {name for _, expr in exprs for name in METRIC_TOKEN.findall(expr)}
    assert used <= METRIC_NAMES | PUSHGATEWAY_SERIES, used - METRIC_NAMES
    # Verdicts over time, rows, anomalies and drift per job are on the dashboard.
    assert {"dqv_run_outcome", "dqv_run_rows_read", "dqv_run_anomalies",
            "dqv_feature_distance", "dqv_feature_distance_threshold"} <= used
    variables = json.loads(DASHBOARD.read_text())["templating"]["list"]
    job_query = next(v for v in variables if v["name"] == "job")["definition"]
    assert set(METRIC_TOKEN.findall(job_query)) <= METRIC_NAMES


def test_grafana_dashboard_queries_are_valid_promql(tmp_path: pathlib.Path) -> None:
    """promtool parses each query (as a recording rule) once Grafana's $job is filled in."""
    rules = [{"record": f"dqv_dashboard:query_{n}", "expr": expr.replace("$job", ".*")}
             for n, (_, expr) in enumerate(_dashboard_exprs())]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    proc = _tool("promtool", "check", "rules", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
