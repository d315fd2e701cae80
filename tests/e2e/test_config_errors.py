"""User mistakes end with exit 2 and one clear line naming what and where; no traceback."""

from __future__ import annotations

import pathlib
from typing import Any

JOB = (pathlib.Path(__file__).resolve().parents[2] / "jobs" / "training_events.yaml").read_text()


def _one_line_error(proc: Any) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def _run(run_dqv: Any, project: pathlib.Path, ds: str = "2026-11-01") -> Any:
    return run_dqv("run", "training_events", "--ds", ds, "--quiet", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"))


def test_bad_yaml(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    (tmp_project / "jobs" / "training_events.yaml").write_text(
        "name: training_events\nsource: {kind: local, path: [unclosed\n")
    line = _one_line_error(_run(run_dqv, tmp_project))
    assert "training_events.yaml:" in line and "invalid YAML" in line


def test_unknown_field_names_file_line_and_field(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    text = JOB.replace("  format: parquet\n", "  format: parquet\n  colour: red\n")
    (tmp_project / "jobs" / "training_events.yaml").write_text(text)
    expected_line = text.splitlines().index("  colour: red") + 1
    line = _one_line_error(_run(run_dqv, tmp_project))
    assert f"training_events.yaml:{expected_line}" in line
    assert "field 'source.colour'" in line and "unknown field" in line


def test_wrong_value_names_the_field(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    text = JOB.replace("severity: warning", "severity: loud")
    (tmp_project / "jobs" / "training_events.yaml").write_text(text)
    line = _one_line_error(_run(run_dqv, tmp_project))
    assert "field 'severity.rules[0].severity'" in line
    assert "'error', 'warning' or 'ignore'" in line


def test_missing_schema_file(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    (tmp_project / "schemas" / "training_events.pbtxt").unlink()
    proc = _run(run_dqv, tmp_project)
    line = _one_line_error(proc)
    assert "schemas/training_events.pbtxt" in line and "schema file not found" in line


def test_malformed_schema_names_the_line(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    schema = tmp_project / "schemas" / "training_events.pbtxt"
    lines = schema.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == 'name: "age"')
    lines.insert(at + 1, "  colour: RED")
    schema.write_text("\n".join(lines) + "\n")
    line = _one_line_error(_run(run_dqv, tmp_project))
    assert f"training_events.pbtxt:{at + 2}" in line
    assert "malformed schema" in line and "colour" in line


def test_missing_partition(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    proc = _run(run_dqv, tmp_project, ds="2027-01-01")
    # Issue 13: late data, not a failed evaluation: not ready, exit 3, still one line.
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "no data for ds=2027-01-01" in line and "ds=2027-01-01" in line
    assert "NOT_READY" in proc.stdout


def test_failed_run_is_still_recorded(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    import json

    proc = run_dqv("run", "training_events", "--ds", "2027-01-01", "--json", "--quiet",
                   "--project-dir", str(tmp_project), "--artifact-root", str(tmp_project / "a"))
    record = json.loads(proc.stdout)
    # Issue 13: a missing partition is recorded as not_ready, like any run.
    assert record["outcome"] == "not_ready" and "no data" in record["error"]
    on_disk = json.loads((pathlib.Path(record["artifact_dir"]) / "run.json").read_text())
    assert on_disk["outcome"] == "not_ready"


def test_unknown_job_name(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    proc = run_dqv("run", "no_such_job", "--ds", "2026-11-01", "--project-dir", str(tmp_project))
    line = _one_line_error(proc)
    assert "no job named 'no_such_job'" in line and "training_events" in line


def test_validate_config_reports_every_broken_file(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    (tmp_project / "jobs" / "broken.yaml").write_text("name: broken\nschema: x.pbtxt\n")
    proc = run_dqv("validate-config", "--project-dir", str(tmp_project))
    assert proc.returncode == 2
    assert "ok     " in proc.stdout and "broken.yaml" in proc.stdout
    assert "field 'source'" in proc.stdout and "required field is missing" in proc.stdout


def test_bad_evidence_settings_name_the_field(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    for block, field in (("evidence:\n  max_rows: 0\n", "evidence.max_rows"),
                         ("evidence:\n  mask: [email]\n  omit: [Email]\n", "evidence"),
                         ("evidence:\n  masks: [email]\n", "evidence.masks")):
        (tmp_project / "jobs" / "training_events.yaml").write_text(JOB + block)
        line = _one_line_error(_run(run_dqv, tmp_project))
        assert "training_events.yaml:" in line and f"field '{field}'" in line, line
