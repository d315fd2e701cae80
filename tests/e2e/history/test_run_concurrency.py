"""Two `dqv run` of the same job and ds at once are serialized by the run lock and both land
in the store; a run killed with SIGKILL mid-way is marked failed by the next run.

The runs are held at a known point with the test hook in tests/support/pause_hook
(outside the product): a run sleeps right after it is recorded as started."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from tests.conftest import REPO, dqv
from tests.support.pause_hook import pause_env
from validator.core.record import RunRecord
from validator.history.mlmd_connection import connection_config
from validator.history.mlmd_store import MlmdRunStore


def _start(root: Path, ds: str, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "validator.cli.main", "run", "training_events", "--ds", ds, "--json",
         "--artifact-root", str(root)],
        cwd=REPO, env={**os.environ, "PYTHONWARNINGS": "ignore", **pause_env(pause)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_running(root: Path, ds: str, deadline_s: float = 300) -> RunRecord:
    """Poll the store until a run of `ds` is recorded as started (a deadline, not a timing
    assertion: it only bounds a hung test)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        running = [r for r in MlmdRunStore(root).runs("training_events")
                   if r.ds == ds and r.outcome is None]
        if running:
            return running[0]
        time.sleep(0.3)
    raise AssertionError(f"no run of {ds} started within {deadline_s}s")


def _states(root: Path) -> dict[str, int]:
    store = metadata_store.MetadataStore(connection_config(root))
    return {e.name: e.last_known_state for e in store.get_executions_by_type("dqv.DataValidation")}


def test_two_simultaneous_runs_of_one_ds_are_serialized(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    procs = [_start(root, "2026-11-05", pause=3), _start(root, "2026-11-05", pause=3)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    records = sorted((json.loads(out) for out, _ in outputs), key=lambda r: r["started_at"])
    assert all(r["outcome"] == "pass" and r["rows"] == 2000 for r in records)
    # Serialized: the second started only after the first had ended (both held 3 s each).
    first_end = dt.datetime.fromisoformat(records[0]["ended_at"])
    assert dt.datetime.fromisoformat(records[1]["started_at"]) >= first_end
    assert any("waiting for the run in progress" in err for _, err in outputs)

    ids = {r["run_id"] for r in records}
    assert _states(root) == {run_id: mlmd.Execution.COMPLETE for run_id in ids}
    history = json.loads(dqv("history", "training_events", "--all", "--json", "--artifact-root",
                             str(root), check_exit=0).stdout)["runs"]
    assert {r["run_id"] for r in history} == ids
    assert [r["superseded"] for r in history] == [True, False]
    with sqlite3.connect(root / "metadata.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_killed_run_is_marked_failed_by_the_next_run(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    # Killed mid-way, then the next run is of another ds: its lock is free, so it is dead.
    victim = _start(root, "2026-11-04", pause=600)
    killed = _wait_running(root, "2026-11-04")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    assert _states(root) == {killed.run_id: mlmd.Execution.RUNNING}
    proc = dqv("run", "training_events", "--ds", "2026-11-05", "--artifact-root", str(root))
    assert proc.returncode == 0, proc.stderr
    assert f"earlier run {killed.run_id} was interrupted; marked failed" in proc.stderr
    marked = MlmdRunStore(root).get(killed.run_id)
    assert marked is not None and marked.outcome is not None
    assert marked.outcome.value == "not_evaluated" and marked.error is not None
    assert marked.error.startswith("interrupted") and f"pid {victim.pid}" in marked.error
    on_disk = json.loads((Path(killed.artifact_dir) / "run.json").read_text())
    assert on_disk["outcome"] == "not_evaluated"

    # Killed again, now re-run for the same ds: the new run holds that ds's lock itself.
    victim = _start(root, "2026-11-05", pause=600)
    second = _wait_running(root, "2026-11-05")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    proc = dqv("run", "training_events", "--ds", "2026-11-05", "--artifact-root", str(root), "--json")
    assert proc.returncode == 0, proc.stderr
    rerun = json.loads(proc.stdout)
    states = _states(root)
    assert states[killed.run_id] == states[second.run_id] == mlmd.Execution.FAILED
    assert states[rerun["run_id"]] == mlmd.Execution.COMPLETE
    assert list(states.values()).count(mlmd.Execution.COMPLETE) == 2
    # The history shows the interrupted runs for what they are; the latest of 11-05 passed.
    runs = json.loads(dqv("history", "training_events", "--all", "--json", "--artifact-root",
                          str(root), check_exit=0).stdout)["runs"]
    by_id = {r["run_id"]: r for r in runs}
    assert by_id[second.run_id]["outcome"] == "not_evaluated" and by_id[second.run_id]["superseded"]
    assert by_id[rerun["run_id"]]["outcome"] == "pass"
    latest = json.loads(dqv("history", "training_events", "--json", "--artifact-root", str(root),
                            check_exit=0).stdout)["runs"]
    assert {r["ds"]: r["outcome"] for r in latest} == {"2026-11-04": "not_evaluated",
                                                       "2026-11-05": "pass"}
    with sqlite3.connect(root / "metadata.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
