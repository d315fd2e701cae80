"""A run session: the one way runs are wired, shared by the CLI, the Python API and the service.

A session opens the run history once and builds each job's observers once, with that store;
every run of the session uses both. The exit rule (the worst outcome, and strict metrics) is
defined here too, so `dqv run`, `dqv backfill` and the API cannot disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from validator.config.job import Job
from validator.core.outcome import worst_exit_code
from validator.core.record import RunRecord
from validator.core.result import RunResult
from validator.history import open_store
from validator.history.store import RunStore
from validator.notify.observer import RunObserver
from validator.run.settings import RunSettings


class RunSession:
    def __init__(self, settings: RunSettings, store: RunStore | None = None) -> None:
        self.settings = settings
        self.store = store if store is not None else open_store(settings.artifact_root)
        self._observers: dict[str, tuple[Job, list[RunObserver]]] = {}

    def observers(self, job: Job) -> list[RunObserver]:
        """The job's observers, built on first use (a reloaded job gets new ones)."""
        cached = self._observers.get(job.name)
        if cached is None or cached[0] is not job:
            from validator.run.observers import build_observers

            cached = (job, build_observers(job, self.settings, self.store))
            self._observers[job.name] = cached
        return cached[1]

    def run(self, job: Job, ds: dt.date | None, *, run_id: str | None = None) -> RunResult:
        """One run, recorded under `run_id` when given (the service's child process)."""
        from validator.run import preflight
        from validator.run.runner import run_job

        preflight.check_ds(job, ds)  # usage errors are never runs: nothing recorded or sent
        source = None
        if job.source.columns:
            from validator.config.schema_io import load_schema
            from validator.run.runner import build_source

            schema = load_schema(job.schema_path)
            source = build_source(job, schema)
            preflight.check_columns(job, schema, source, ds)
        settings = dataclasses.replace(self.settings, run_id=run_id) if run_id else self.settings
        return run_job(job, ds, self.store, settings, source=source, observers=self.observers(job))


def finish(session: RunSession, job: Job) -> None:
    """Tell the job's observers that a series of runs ended (a backfill's Slack summary).
    Delivery problems are logged, never change an exit code."""
    import logging

    for observer in session.observers(job):
        done = getattr(observer, "finish", None)
        if done is None:
            continue
        try:
            done(job)
        except Exception as err:
            logging.getLogger("dqv").warning("%s: %s delivery failed: %s", job.name, observer.name, err)


def exit_code(job: Job, records: Sequence[RunRecord]) -> int:
    """The worst outcome's exit code (2 when nothing ran), then strict metrics: a run whose
    metrics were not delivered does not exit 0."""
    from validator.notify.pushgateway import strict_exit_code

    code = worst_exit_code(r.outcome for r in records if r.outcome)
    return strict_exit_code(job, records, code)
