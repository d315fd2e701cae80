"""A drift baseline whose statistics are corrupted or deleted: drift is "not evaluated" as a
finding of its own (BASELINE_UNREADABLE, an error by default, the job's severity rules apply),
never an internal error and never a silent pass."""

from __future__ import annotations

import json
import pathlib

import pytest

from tests.faults.conftest import Case, runs_text
from tests.faults.support import history, project, run

DAY1, DAY2 = "2026-11-01", "2026-11-02"


@pytest.fixture
def with_baseline(tmp_path: pathlib.Path) -> pathlib.Path:
    """A project whose history holds one passing run (the next day's drift baseline); its own
    artifacts, since the store records their absolute paths."""
    proj = project(tmp_path / "proj", days=(DAY1, DAY2), files=1)
    done = run(proj, DAY1)
    assert done.code == 0, done.err
    return proj


def _damaged(proj: pathlib.Path, how: str) -> pathlib.Path:
    [baseline] = history(proj)
    assert baseline.statistics is not None
    stats = pathlib.Path(baseline.statistics)
    if how == "corrupt":
        stats.write_bytes(b"\x0a\xff\xff\xff\xff garbage" + stats.read_bytes()[:200])
    else:
        stats.unlink()
    return proj


@pytest.mark.parametrize("how", ["corrupt", "missing"])
def test_unreadable_baseline_is_a_blocking_finding(with_baseline: pathlib.Path, how: str,
                                                   case: Case) -> None:
    proj = _damaged(with_baseline, how)
    done = run(proj, DAY2, "--json")
    record = done.json()
    case.verdict, case.exit_code = record["outcome"], done.code
    assert (done.code, record["outcome"]) == (1, "block"), done.err
    assert "internal error" not in json.dumps(record)
    [finding] = record["findings"]
    assert finding["anomaly_type"] == "BASELINE_UNREADABLE" and finding["severity"] == "error"
    assert "drift not evaluated" in finding["description"]
    records = history(proj)
    case.runs = runs_text(records)
    assert [r.outcome.value if r.outcome else None for r in records] == ["pass", "block"]
    case.processes_left = 0


def test_severity_rules_apply_to_an_unreadable_baseline(with_baseline: pathlib.Path,
                                                        case: Case) -> None:
    proj = _damaged(with_baseline, "missing")
    job = proj / "jobs" / "training_events.yaml"
    job.write_text(job.read_text().replace("  rules:\n", "  rules:\n    - anomaly: "
                                           "BASELINE_UNREADABLE\n      severity: warning\n"))
    done = run(proj, DAY2, "--json")
    record = done.json()
    case.verdict, case.exit_code, case.runs = record["outcome"], done.code, runs_text(history(proj))
    assert (done.code, record["outcome"]) == (0, "warn"), done.err
    assert [f["anomaly_type"] for f in record["findings"]] == ["BASELINE_UNREADABLE"]
