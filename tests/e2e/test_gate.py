"""`dqv gate` through the CLI and the Python API on the sample data: pass, blocked, waived
(warning, waiver shown), expired waiver (blocked again), missing data (not ready, exit 3), and an answer
from the history unless it is older than --max-age."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from tests.conftest import dqv
from validator.core.outcome import Outcome
from validator.run.api import DataNotReady, DataQualityBlocked, GateOptions, check, require_pass


def _gate(project: pathlib.Path, ds: str, *extra: str) -> tuple[int, dict[str, Any]]:
    proc = dqv("gate", "training_events", "--ds", ds, "--json", "--quiet", "--project-dir",
               str(project), *extra)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _waivers(project: pathlib.Path, until: str) -> None:
    job = project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text() + f"""waivers:
  - feature: age
    anomaly: INT_TYPE_SMALL_INT
    until: {until}
    owner: ml-growth
    reason: negative ages from the old app; fix in JIRA-123
  - feature: age
    anomaly: INT_TYPE_BIG_INT
    until: {until}
    owner: ml-growth
    reason: age 999 placeholder; fix in JIRA-124
""")


def _anomalies(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["feature"], f["anomaly_type"]) for f in findings}


AGE = {("age", "INT_TYPE_SMALL_INT"), ("age", "INT_TYPE_BIG_INT")}


def test_gate_passes_a_clean_day_and_answers_from_history(tmp_project: pathlib.Path) -> None:
    code, first = _gate(tmp_project, "2026-11-01")
    assert (code, first["outcome"], first["may_train"], first["answered_from"]) == (0, "pass", True,
                                                                                   "new_run")
    code, second = _gate(tmp_project, "2026-11-01", "--max-age", "6h")
    assert (code, second["answered_from"], second["run_id"]) == (0, "history", first["run_id"])
    # A verdict older than --max-age is not trusted: the job runs again.
    code, third = _gate(tmp_project, "2026-11-01", "--max-age", "0")
    assert (code, third["answered_from"]) == (0, "new_run")
    assert third["run_id"] != first["run_id"]


def test_gate_blocks_a_defective_day(tmp_project: pathlib.Path) -> None:
    code, verdict = _gate(tmp_project, "2026-11-08")
    assert (code, verdict["outcome"], verdict["may_train"]) == (1, "block", False)
    assert _anomalies(verdict["blocking"]) == AGE
    assert verdict["waivers_applied"] == [] and verdict["waivers_expired"] == []


def test_active_waiver_turns_the_block_into_a_warning(tmp_project: pathlib.Path) -> None:
    _waivers(tmp_project, "2026-11-30")
    code, verdict = _gate(tmp_project, "2026-11-08")
    assert (code, verdict["outcome"], verdict["may_train"]) == (0, "warn", True)
    assert verdict["blocking"] == []
    assert _anomalies(verdict["warnings"]) == AGE
    assert {(w["feature"], w["anomaly"], w["owner"], w["until"], w["expired"])
            for w in verdict["waivers_applied"]} == {
        ("age", "INT_TYPE_SMALL_INT", "ml-growth", "2026-11-30", False),
        ("age", "INT_TYPE_BIG_INT", "ml-growth", "2026-11-30", False)}
    # The run record shows the waiver with the anomaly, and so does `dqv run`.
    record = json.loads((pathlib.Path(_run_dir(tmp_project, verdict["run_id"])) / "run.json").read_text())
    assert record["outcome"] == "warn"
    assert {f["waiver"]["reason"] for f in record["findings"]} == {
        "negative ages from the old app; fix in JIRA-123", "age 999 placeholder; fix in JIRA-124"}
    proc = dqv("run", "training_events", "--ds", "2026-11-08", "--quiet", "--project-dir",
               str(tmp_project))
    assert proc.returncode == 0, proc.stderr
    assert "warning (waived)" in proc.stdout
    # Under its finding, in the one renderer's words (core/finding_text.py).
    small = proc.stdout[proc.stdout.index("INT_TYPE_SMALL_INT"):]
    assert ("waiver:   waived until 2026-11-30 by ml-growth: negative ages from the old app; fix "
            "in JIRA-123") in small


def _run_dir(project: pathlib.Path, run_id: str) -> pathlib.Path:
    (found,) = (project / "dqv-artifacts").glob(f"training_events/*/{run_id}")
    return found


def test_expired_waiver_blocks_again_and_is_reported(tmp_project: pathlib.Path) -> None:
    _waivers(tmp_project, "2026-11-07")  # the day before the defective ds
    code, verdict = _gate(tmp_project, "2026-11-08")
    assert (code, verdict["outcome"]) == (1, "block")
    assert _anomalies(verdict["blocking"]) == AGE
    assert all(f["waiver"]["expired"] for f in verdict["blocking"])
    assert verdict["waivers_applied"] == []
    assert {(w["anomaly"], w["until"]) for w in verdict["waivers_expired"]} == {
        ("INT_TYPE_SMALL_INT", "2026-11-07"), ("INT_TYPE_BIG_INT", "2026-11-07")}
    proc = dqv("gate", "training_events", "--ds", "2026-11-08", "--quiet", "--project-dir",
               str(tmp_project))
    assert proc.returncode == 1
    assert "expired waiver: age INT_TYPE_BIG_INT ended 2026-11-07" in proc.stdout


def test_missing_data_is_not_ready_and_fails_closed(tmp_project: pathlib.Path) -> None:
    # Issue 13: a missing partition is late data, not bad data: not_ready, exit 3.
    code, verdict = _gate(tmp_project, "2026-12-25")
    assert (code, verdict["outcome"], verdict["may_train"]) == (3, "not_ready", False)
    assert "2026-12-25" in verdict["error"]
    # A not-ready run never answers from the history: the next gate runs again.
    code, again = _gate(tmp_project, "2026-12-25")
    assert (code, again["answered_from"]) == (3, "new_run")
    assert again["run_id"] != verdict["run_id"]


def test_incomplete_waiver_is_a_config_error(tmp_project: pathlib.Path) -> None:
    job = tmp_project / "jobs" / "training_events.yaml"
    lines = len(job.read_text().splitlines())
    job.write_text(job.read_text() + "waivers:\n  - {feature: age, anomaly: INT_TYPE_BIG_INT, "
                   "until: 2026-12-01, owner: ml-growth}\n")
    proc = dqv("gate", "training_events", "--ds", "2026-11-08", "--project-dir", str(tmp_project))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"dqv: error: {job}:{lines + 2}, field 'waivers[0].reason': "
                                   "required field is missing")


def test_python_api(tmp_project: pathlib.Path) -> None:
    options = GateOptions(project_dir=tmp_project)
    verdict = check("training_events", "2026-11-05", options)
    assert verdict.outcome is Outcome.PASS and verdict.may_train and verdict.exit_code == 0
    assert require_pass("training_events", "2026-11-05", options).run_id == verdict.run_id
    with pytest.raises(DataQualityBlocked) as blocked:
        require_pass("training_events", "2026-11-07", options)
    assert blocked.value.verdict.outcome is Outcome.BLOCK
    assert "account_age_days:SCHEMA_MISSING_COLUMN" in str(blocked.value)
    with pytest.raises(DataQualityBlocked) as missing:
        require_pass("training_events", "2027-01-01", options)
    # Issue 13: no data yet is NOT_READY, raised as DataNotReady (a DataQualityBlocked).
    assert missing.value.verdict.outcome is Outcome.NOT_READY
    assert isinstance(missing.value, DataNotReady)
