"""Helpers of the fault suite: a project on a copy of one sample day, `dqv` subprocesses that
die with the test, the process tree of a run (from /proc), and the run history as recorded."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
from typing import Any

import pyarrow.parquet as pq

from tests.conftest import REPO
from tests.support.pause_hook import pause_env
from tests.support.serve import wait_for
from validator.core.record import RunRecord
from validator.history.mlmd_store import MlmdRunStore

DS = "2026-11-05"
SAMPLE = REPO / "sample_data" / "training_events"
JOB = "training_events"
# The local engine forks two workers even for the small sample partition.
FORKING = {"DQV_LOCAL_WORKERS": "2", "DQV_PARALLEL_MIN_ROWS": "0"}


def project(root: pathlib.Path, days: tuple[str, ...] = (DS,), files: int = 2) -> pathlib.Path:
    """A project whose job reads data/ds=D/, each sample day split into `files` Parquet files
    (so the local engine has one shard per worker)."""
    (root / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", root / "schemas")
    job = (REPO / "jobs" / f"{JOB}.yaml").read_text()
    (root / "jobs" / f"{JOB}.yaml").write_text(job.replace("path: sample_data/training_events",
                                                           "path: data"))
    for day in days:
        table = pq.read_table(SAMPLE / f"ds={day}" / "part-000.parquet")
        folder = root / "data" / f"ds={day}"
        folder.mkdir(parents=True)
        step = -(-table.num_rows // files)
        for index in range(files):
            pq.write_table(table.slice(index * step, step), folder / f"part-{index:03d}.parquet")
    return root


def _die_with_test() -> None:
    """preexec_fn: a `dqv` the test started is killed if the test process dies."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def start(proj: pathlib.Path, *args: str, env: dict[str, str] | None = None
          ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "validator.cli.main", *args, "--project-dir", str(proj),
         "--artifact-root", str(proj / "out")],
        cwd=proj, env={**os.environ, "PYTHONWARNINGS": "ignore", "DQV_METADATA": "", **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_die_with_test)


@dataclasses.dataclass
class Done:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def dqv(proj: pathlib.Path, *args: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> Done:
    proc = start(proj, *args, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"dqv {' '.join(args)} did not finish within {timeout}s "
                             f"(a lock held forever?)\n{err[-3000:]}") from None
    return Done(proc.returncode, out, err)


def run(proj: pathlib.Path, ds: str = DS, *extra: str, env: dict[str, str] | None = None,
        timeout: float = 300) -> Done:
    return dqv(proj, "run", JOB, "--ds", ds, *extra, env=env, timeout=timeout)


# --- processes ------------------------------------------------------------------------------

Proc = tuple[int, str]  # pid and its start time (so a reused pid is not mistaken for it)


def _stat(pid: int) -> list[str] | None:
    try:
        text = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the state on


def descendants(pid: int) -> set[Proc]:
    """Every live process below `pid` (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[Proc] = set()
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        fields = _stat(child)
        if fields is not None and fields[0] != "Z":
            found.add((child, fields[19]))
            todo.extend(children.get(child, []))
    return found


def alive(procs: set[Proc]) -> set[Proc]:
    """Those of `procs` still running (not gone, not a zombie, not a new process on the pid)."""
    live = set()
    for pid, started in procs:
        fields = _stat(pid)
        if fields is not None and fields[0] != "Z" and fields[19] == started:
            live.add((pid, started))
    return live


def workers_started(proc: subprocess.Popen[str], count: int = 2) -> set[Proc]:
    def probe() -> set[Proc] | None:
        if proc.poll() is not None:
            raise AssertionError(f"dqv exited {proc.returncode} early: {proc.communicate()[1]}")
        found = descendants(proc.pid)
        return found if len(found) >= count else None

    return wait_for(f"{count} worker processes of pid {proc.pid}", probe, timeout=300)


def left_behind(procs: set[Proc], timeout: float = 30) -> set[Proc]:
    """Waits (bounded) for `procs` to end; returns those still alive at the deadline."""
    try:
        wait_for("the run's processes to end", lambda: not alive(procs) or None, timeout=timeout)
    except AssertionError:
        return alive(procs)
    return set()


# --- the run history ------------------------------------------------------------------------

def history(proj: pathlib.Path) -> list[RunRecord]:
    return MlmdRunStore(proj / "out").runs(JOB)


def wait_started(proj: pathlib.Path, ds: str = DS) -> RunRecord:
    def probe() -> RunRecord | None:
        if not (proj / "out" / "metadata.sqlite").exists():
            return None
        running = [r for r in history(proj) if r.ds == ds and r.outcome is None]
        return running[0] if running else None

    return wait_for(f"a run of {ds} recorded as started", probe, timeout=300)


__all__ = ["FORKING", "pause_env", "wait_for"]
