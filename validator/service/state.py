"""The service's jobs and runs: a bounded worker pool, at most one run (running or queued) per
job, the latest run of each job, and the drain on stop. Each run is made by a child process
(runs.py); the pool's threads wait for them."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import logging
import pathlib
import threading
import time
from collections.abc import Callable, Sequence

from validator.config.job import Job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord, new_run_id, utc_now
from validator.history.store import RunStore
from validator.service.metrics import ServiceMetrics
from validator.service.runs import ChildRun, result_of

log = logging.getLogger("dqv")
STOP_WAIT_SECONDS = 20.0  # after SIGTERM, a child has this long to record its run as interrupted


@dataclasses.dataclass
class JobStatus:
    last: RunRecord | None = None  # latest finished run (from the history at start)
    last_trigger: str | None = None
    busy: bool = False  # a run is queued or running
    running: ChildRun | None = None
    trigger: str | None = None
    ds: str | None = None  # the ds running now (or first in the queue)
    days: tuple[str, ...] = ()  # every ds of the queued or running task
    run_id: str | None = None  # the run id POST /jobs/J/run answered, for /runs/{id}


@dataclasses.dataclass(frozen=True)
class RunEnv:
    """Where the runs go: the artifact root, and the run history the service reads."""

    artifact_root: pathlib.Path
    open_store: Callable[[pathlib.Path], RunStore]


class ServiceState:
    def __init__(self, jobs: dict[str, Job], env: RunEnv, metrics: ServiceMetrics, workers: int) -> None:
        self.env = env
        self.metrics = metrics
        self._jobs = dict(jobs)
        self._status: dict[str, JobStatus] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers),
                                                           thread_name_prefix="dqv-run")
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.closing = False
        # Told the job's name when one of its runs finishes (the gate's history cache).
        self.run_listeners: list[Callable[[str], None]] = []
        self.config_error: str | None = None
        self.reloaded_at = utc_now().isoformat()
        self._load_history(jobs)

    # --- configuration -------------------------------------------------------------------
    def _load_history(self, jobs: dict[str, Job]) -> None:
        for name, last in self._read_last(jobs).items():
            self._status.setdefault(name, JobStatus()).last = last
            self.metrics.job_seen(name, last)

    def _read_last(self, jobs: dict[str, Job]) -> dict[str, RunRecord | None]:
        """The latest finished run of each job not known yet (store reads; may raise)."""
        store = self.env.open_store(self.env.artifact_root)
        with self._lock:
            known = {n: s.last for n, s in self._status.items() if s.last is not None}
        out: dict[str, RunRecord | None] = {}
        for name in jobs:
            if name in known:
                out[name] = known[name]
                continue
            finished = [r for r in store.runs(name) if r.is_finished]
            out[name] = finished[-1] if finished else None
        return out

    def replace_jobs(self, jobs: dict[str, Job]) -> list[str]:
        """Publish a reloaded configuration; returns the names of the jobs removed. The reload
        is counted (ok) in the same step, so whoever sees the new jobs also sees the count."""
        last = self._read_last(jobs)  # before publishing: a store error leaves the old config
        with self._lock:
            removed = sorted(set(self._jobs) - set(jobs))
            for name in removed:
                if not self._status.get(name, JobStatus()).busy:
                    self._status.pop(name, None)
            for name, record in last.items():
                self._status.setdefault(name, JobStatus()).last = record
            self.metrics.reloads.labels(result="ok").inc()
            self._jobs = dict(jobs)
            self.config_error = None
            self.reloaded_at = utc_now().isoformat()
        for name in removed:
            self.metrics.forget(name)
        for name, record in last.items():
            self.metrics.job_seen(name, record)
        return removed

    def reload_failed(self, message: str) -> None:
        """Count a failed reload, then show it (in that order, for the same reason)."""
        with self._lock:
            self.metrics.reloads.labels(result="error").inc()
            self.config_error = message

    def jobs(self) -> dict[str, Job]:
        with self._lock:
            return dict(self._jobs)

    def job(self, name: str) -> Job | None:
        with self._lock:
            return self._jobs.get(name)

    def status(self, name: str) -> JobStatus:
        with self._lock:
            return dataclasses.replace(self._status.setdefault(name, JobStatus()))

    def busy_with(self, name: str, ds: dt.date) -> bool:
        """A run of `name` for `ds` is queued or running."""
        with self._lock:
            status = self._status.get(name)
            return status is not None and status.busy and ds.isoformat() in status.days

    def running(self) -> list[dict[str, str | None]]:
        with self._lock:
            return [{"job": n, "ds": s.ds, "trigger": s.trigger}
                    for n, s in sorted(self._status.items()) if s.busy]

    # --- runs --------------------------------------------------------------------------
    def submit(self, name: str, days: Sequence[dt.date], trigger: str, run_id: str | None = None,
               ) -> concurrent.futures.Future[RunRecord | None] | None:
        """Queue runs of `name` for `days`, in order; None if the job is already queued or
        running (no overlapping runs of one job), unknown, or the service is stopping.
        `run_id`: the id to record the run under (one day only); new ones by default."""
        assert run_id is None or len(days) == 1
        with self._lock:
            job = self._jobs.get(name)
            status = self._status.setdefault(name, JobStatus())
            if job is None or self.closing or status.busy or not days:
                return None
            status.busy, status.trigger, status.ds = True, trigger, days[0].isoformat()
            status.days, status.run_id = tuple(d.isoformat() for d in days), run_id
            self.metrics.running.inc()
        try:
            return self._pool.submit(self._execute, job, list(days), trigger, run_id)
        except RuntimeError:  # the pool shut down meanwhile
            self._release(name)
            return None

    def _execute(self, job: Job, days: list[dt.date], trigger: str, run_id: str | None,
                 ) -> RunRecord | None:
        last = None
        try:
            for day in days:
                if self.closing:
                    break
                last = self._run_one(job, day, trigger, run_id or new_run_id(utc_now()))
        finally:
            self._release(job.name)
        return last

    def _run_one(self, job: Job, day: dt.date, trigger: str, run_id: str) -> RunRecord:
        store = self.env.open_store(self.env.artifact_root)
        child = ChildRun(job, day, run_id, self.env.artifact_root, lambda: store)
        with self._lock:
            if self.closing:  # the drain has looked already: it would not stop this one
                return _unrecorded(job, day, "the service is stopping; no new runs")
            status = self._status[job.name]
            status.running, status.ds = child, day.isoformat()
        log.info("%s: %s run for ds=%s (run %s)", job.name, trigger, day, run_id)
        try:
            record = child.run()
        except Exception as err:  # a bug must not vanish in a Future nobody reads
            log.exception("%s: ds=%s failed", job.name, day)
            record = _unrecorded(job, day, f"internal error ({err.__class__.__name__}: {err})")
        with self._lock:
            status.running = None
        if child.interrupted:
            return record  # stopped by the drain, which tells
        # Counted before /jobs shows it: whoever sees the run as the last one sees it counted.
        self.metrics.run_finished(job.name, trigger, record)
        if child.recorded:
            self.metrics.job_result(job, result_of(record), store)
        with self._lock:
            status.last, status.last_trigger = record, trigger
        self._tell(job.name)
        log.info("%s: ds=%s %s", job.name, day, (record.outcome or Outcome.NOT_EVALUATED).value)
        return record

    def _tell(self, name: str) -> None:
        for listener in self.run_listeners:
            listener(name)

    def _release(self, name: str) -> None:
        with self._lock:
            status = self._status.setdefault(name, JobStatus())
            status.busy, status.running, status.trigger, status.ds = False, None, None, None
            status.days, status.run_id = (), None
            self.metrics.running.dec()
            self._changed.notify_all()
            removed = name not in self._jobs  # by a reload while it ran
            if removed:
                self._status.pop(name, None)
        if removed:
            self.metrics.forget(name)

    def wait_idle(self, name: str, timeout: float) -> bool:
        with self._lock:
            return self._changed.wait_for(
                lambda: not self._status.setdefault(name, JobStatus()).busy or self.closing, timeout)

    # --- stop --------------------------------------------------------------------------
    def drain(self, grace_seconds: float) -> list[RunRecord]:
        """Stop taking runs, wait up to `grace_seconds` for running ones, then stop the rest
        (their child processes record them as interrupted, or are killed and the run is
        recorded as interrupted here). Returns the interrupted runs."""
        with self._lock:
            self.closing = True
            self._changed.notify_all()
            deadline = time.monotonic() + grace_seconds
            while any(s.busy for s in self._status.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            in_flight = [s.running for s in self._status.values() if s.busy and s.running]
        self._pool.shutdown(wait=False, cancel_futures=True)
        for child in in_flight:
            child.stop()
        stopped = []
        for child in in_flight:
            record = child.wait(STOP_WAIT_SECONDS)
            if child.interrupted:
                stopped.append(record)
                self._tell(record.job)
                self.metrics.run_finished(record.job, "interrupted", record)
                log.warning("%s: ds=%s recorded as interrupted (run %s)", record.job, record.ds,
                            record.run_id)
        return stopped


def _unrecorded(job: Job, day: dt.date, reason: str) -> RunRecord:
    """A run that failed before it could be recorded still answers: not evaluated."""
    now = utc_now()
    log.error("%s: ds=%s not evaluated: %s", job.name, day, reason)
    return RunRecord(run_id=new_run_id(now), job=job.name, ds=day.isoformat(),
                     started_at=now.isoformat(), outcome=Outcome.NOT_EVALUATED,
                     ended_at=now.isoformat(), error=reason)
