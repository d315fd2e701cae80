"""Runs of `dqv serve` in child processes (validator/service/child.py), so that TensorFlow and
TFDV never load into the service process and its memory stays small (README "dqv serve").

The service picks the run id, starts `python -m validator.service.child`, hands it the job as
the service loaded it (the configuration in force, not the file as it is now), and reads the
run back from the run history when the child ends. Fail closed: a child that crashed or was
killed before it finished its run leaves the run not_evaluated in the history, with the
reason. Each child dies with the service (PR_SET_PDEATHSIG, engines/lifetime.py); on stop,
SIGTERM makes it record its run as interrupted, and SIGKILL follows if it does not end in time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2

from validator.config.job import Job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord, utc_now
from validator.core.result import RunResult, Verdict
from validator.errors import DqvError
from validator.history import artifact_fs
from validator.history.baselines import read_statistics
from validator.history.store import RunStore

log = logging.getLogger("dqv")
INTERRUPTED = "interrupted: the service stopped (SIGTERM) before the run finished; run it again"
EVALUATED = (Outcome.PASS, Outcome.WARN, Outcome.BLOCK)


def job_to_json(job: Job) -> dict[str, Any]:
    return {"fields": job.model_dump(mode="json", by_alias=True, exclude_unset=True),
            "project_dir": str(job.project_dir), "file": str(job.file)}


def job_from_json(data: dict[str, Any]) -> Job:
    """The job as `job_to_json` gave it, with the paths the loader set."""
    job = Job.model_validate(data["fields"])
    return job.model_copy(update={"project_dir": pathlib.Path(data["project_dir"]),
                                  "file": pathlib.Path(data["file"])})


class ChildRun:
    """One run of a job for a ds in its own process. `run()` blocks (the service's run
    thread); `stop()` and `wait()` are for the drain, from another thread."""

    def __init__(self, job: Job, ds: dt.date, run_id: str, artifact_root: pathlib.Path,
                 open_store: Callable[[], RunStore]) -> None:
        self.job, self.ds, self.artifact_root = job, ds, artifact_root
        # What /jobs and /runs show while the run is going; the history has the real record.
        self.record = RunRecord(run_id=run_id, job=job.name, ds=ds.isoformat(),
                                started_at=utc_now().isoformat())
        self._open_store = open_store
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._settling = threading.Lock()
        self._done = threading.Event()
        self._final: RunRecord | None = None
        self.stopped = False  # the drain told it to stop
        self.interrupted = False  # and it did not finish: not evaluated, as interrupted
        self.recorded = False  # the final record is in the history

    @property
    def run_id(self) -> str:
        return self.record.run_id

    def run(self) -> RunRecord:
        """Start the child, wait for it to end, and return the run as the history has it."""
        request = json.dumps(self._request()).encode()
        with self._lock:
            if self.stopped:
                return self._settle(None, {"error": "the service is stopping; no new runs"})
            try:
                proc = self._proc = subprocess.Popen(
                    [sys.executable, "-m", "validator.service.child", str(os.getpid())],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            except OSError as err:
                return self._settle(None, {"error": f"cannot start the run's process: {err}"})
        out, _ = proc.communicate(request)
        return self._settle(proc.returncode, _reply(out))

    def _request(self) -> dict[str, Any]:
        level = log.getEffectiveLevel()
        return {"job": job_to_json(self.job), "ds": self.ds.isoformat(), "run_id": self.run_id,
                "artifact_root": str(self.artifact_root), "interrupted_reason": INTERRUPTED,
                "verbose": level <= logging.DEBUG, "quiet": level >= logging.WARNING}

    def stop(self) -> None:
        """Ask the child to stop: it records the run as interrupted and exits."""
        with self._lock:
            self.stopped = True
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def wait(self, timeout: float) -> RunRecord:
        """The run's final record, once its thread has read it back; after `timeout` the child
        is killed, and if its thread still has not answered, the run is settled here."""
        if not self._done.wait(timeout):
            with self._lock:
                proc = self._proc
            if proc is not None and proc.poll() is None:
                proc.kill()
            if not self._done.wait(timeout):
                return self._settle(None, {})
        assert self._final is not None
        return self._final

    def _settle(self, code: int | None, reply: dict[str, Any]) -> RunRecord:
        """Read the run back from the history, once; record it as not evaluated if the child
        ended without finishing it."""
        with self._settling:
            if self._final is None:
                self._final = self._read_back(code, reply)
                self._done.set()
            return self._final

    def _read_back(self, code: int | None, reply: dict[str, Any]) -> RunRecord:
        try:
            store = self._open_store()
            found = store.get(self.run_id)
        except DqvError as err:
            return self._unrecorded(f"the run history is unavailable: {err}")
        if found is not None and found.is_finished:
            self.interrupted = self.stopped and found.outcome is Outcome.NOT_EVALUATED
            self.recorded = True
            return found
        if found is None and "error" in reply and not self.stopped:
            return self._unrecorded(str(reply["error"]))  # nothing ran: nothing to record
        self.interrupted = self.stopped
        reason = INTERRUPTED if self.stopped else \
            f"internal error: the run's process {_ended(code)} before the run finished; run it again"
        final = dataclasses.replace(found or self.record, outcome=Outcome.NOT_EVALUATED,
                                    error=reason, ended_at=utc_now().isoformat())
        log.error("%s: ds=%s not evaluated (run %s): %s", self.job.name, self.ds, self.run_id, reason)
        try:
            store.finish(final)
            self.recorded = True
        except DqvError as err:
            log.error("%s: run %s could not be recorded: %s", self.job.name, self.run_id, err)
        return final

    def _unrecorded(self, reason: str) -> RunRecord:
        """A run that could not start still answers: not evaluated (and is not in the history)."""
        log.error("%s: ds=%s not evaluated: %s", self.job.name, self.ds, reason)
        return dataclasses.replace(self.record, outcome=Outcome.NOT_EVALUATED, error=reason,
                                   ended_at=utc_now().isoformat())


def _reply(out: bytes) -> dict[str, Any]:
    try:
        lines = out.decode("utf-8", errors="replace").strip().splitlines()
        reply = json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
    return reply if isinstance(reply, dict) else {}


def _ended(code: int | None) -> str:
    if code is None:
        return "did not end"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def result_of(record: RunRecord) -> RunResult:
    """A finished run as the service's /metrics needs it (validator/notify/metrics.py), from
    its record and its statistics file: the verdict of an evaluated run, its statistics. A
    remote statistics file (gs://) is not read: that would load TensorFlow's file system here,
    so the missing-ratio gauges are left out then."""
    result = RunResult(record)
    if record.outcome in EVALUATED and record.statistics:
        result.verdict = Verdict(record.outcome, tuple(record.findings), anomalies_pb2.Anomalies(),
                                 tuple(record.measurements))
        if artifact_fs.is_remote(record.statistics):
            return result
        try:
            result.statistics = read_statistics(record.statistics)
        except OSError as err:
            log.warning("%s: statistics of run %s unreadable for /metrics: %s", record.job,
                        record.run_id, err)
    return result
