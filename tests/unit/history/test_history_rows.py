"""History rows: latest run per ds by default, earlier re-runs kept and flagged; artifact
paths local or gs://; TFX spans."""

from __future__ import annotations

import pathlib

from validator.cli.history import history_rows, job_name
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history import artifact_fs
from validator.history.mlmd_store import span_of


def _run(run_id: str, ds: str, started: str, outcome: Outcome | None, **kw: object) -> RunRecord:
    return RunRecord(run_id=run_id, job="j", ds=ds, started_at=f"2026-12-01T{started}+00:00",
                     outcome=outcome, ended_at=f"2026-12-01T{started[:-2]}59+00:00" if outcome else None,
                     **kw)  # type: ignore[arg-type]


RUNS = [
    _run("a", "2026-11-01", "01:00:00", Outcome.PASS, rows=10),
    _run("b", "2026-11-02", "02:00:00", Outcome.BLOCK,
         findings=[{"severity": "error"}, {"severity": "error"}, {"severity": "ignore"}]),
    _run("c", "2026-11-02", "03:00:00", Outcome.WARN, findings=[{"severity": "warning"}]),
    _run("d", "2026-11-03", "00:30:00", None),
]


def test_latest_run_per_ds_in_ds_order() -> None:
    rows = history_rows(RUNS)
    assert [(r.ds, r.run_id, r.outcome) for r in rows] == [
        ("2026-11-01", "a", "pass"), ("2026-11-02", "c", "warn"), ("2026-11-03", "d", "running")]
    assert not any(r.superseded for r in rows)
    assert rows[0].duration_s == 59.0 and rows[2].duration_s is None
    assert (rows[1].anomalies, rows[1].errors, rows[1].warnings) == (1, 0, 1)


def test_all_keeps_superseded_reruns() -> None:
    rows = history_rows(RUNS, all_runs=True)
    assert [(r.run_id, r.superseded) for r in rows] == [
        ("a", False), ("b", True), ("c", False), ("d", False)]
    blocked = rows[1]
    assert (blocked.anomalies, blocked.errors) == (2, 2)  # the ignored finding is not counted


def test_last_n() -> None:
    assert [r.run_id for r in history_rows(RUNS, last=2)] == ["c", "d"]
    assert [r.run_id for r in history_rows(RUNS, last=3, all_runs=True)] == ["b", "c", "d"]


def test_job_given_by_file() -> None:
    assert job_name("jobs/training_events.yaml") == "training_events"
    assert job_name("training_events") == "training_events"


def test_span_is_days_since_epoch_as_in_tfx() -> None:
    assert span_of("1970-01-02") == 1
    assert span_of("2026-11-30") == 20787
    assert span_of(None) is None


def test_artifact_paths_local_and_gcs(tmp_path: pathlib.Path) -> None:
    assert artifact_fs.uri(pathlib.Path("gs://bucket/root")) == "gs://bucket/root"
    assert artifact_fs.is_remote(pathlib.Path("gs://bucket/root"))
    assert artifact_fs.join(pathlib.Path("gs://bucket/root/"), "job", "ds=2026-11-01") == \
        "gs://bucket/root/job/ds=2026-11-01"
    assert not artifact_fs.is_remote(tmp_path)
    target = artifact_fs.join(tmp_path, "job", "x", "file.txt")
    artifact_fs.write_text(target, "hello")
    assert artifact_fs.read_bytes(target) == b"hello" and artifact_fs.exists(target)
    assert artifact_fs.is_dir(artifact_fs.join(tmp_path, "job"))
    assert [p.name for p in (tmp_path / "job" / "x").iterdir()] == ["file.txt"]  # no temp left
