"""What the HTTP endpoints answer, apart from the HTTP itself (validator/service/http.py): the
jobs' status, manual runs answered with their run id (polled at /runs/{run_id}, and the id of
the run in the history), and the gate."""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as dt
import threading
from typing import Any

from validator.config.job import Job
from validator.config.schedule import ds_for
from validator.core.record import RunRecord, new_run_id, utc_now
from validator.service.gating import Gatekeeper, RunCache
from validator.service.metrics import ServiceMetrics
from validator.service.scheduler import JobScheduler
from validator.service.state import ServiceState

MAX_TICKETS = 1000  # manual runs remembered (queued ones too); older ones: from the history


@dataclasses.dataclass(frozen=True)
class Ticket:
    id: str
    job: str
    ds: str
    future: concurrent.futures.Future[RunRecord | None]
    accepted_at: str


class Api:
    def __init__(self, state: ServiceState, scheduler: JobScheduler, token: str | None,
                 gate_timeout_seconds: float = 900.0) -> None:
        self.state, self.scheduler, self.token = state, scheduler, token
        self.cache = RunCache(lambda: state.env.open_store(state.env.artifact_root),
                              lambda job: state.metrics.history_reads.labels(job=job).inc())
        state.run_listeners.append(self.cache.invalidate)
        self.gatekeeper = Gatekeeper(state, self.cache, gate_timeout_seconds)
        self._tickets: collections.OrderedDict[str, Ticket] = collections.OrderedDict()
        self._lock = threading.Lock()

    def refresh(self, metrics: ServiceMetrics) -> None:
        jobs = self.state.jobs()
        metrics.jobs.set(len(jobs))
        for name in jobs:
            nxt = self.scheduler.next_run(name)
            if nxt is not None:
                metrics.next_run.labels(job=name).set(nxt.timestamp())

    def jobs_json(self) -> list[dict[str, Any]]:
        out = []
        for name, job in sorted(self.state.jobs().items()):
            status = self.state.status(name)
            nxt = self.scheduler.next_run(name)
            out.append({
                "job": name,
                "schedule": job.schedule.model_dump() if job.schedule else None,
                "next_run": nxt.isoformat() if nxt else None,
                "running": status.busy, "running_ds": status.ds, "running_trigger": status.trigger,
                "running_run_id": status.running.record.run_id
                if status.running and status.running.record else None,
                "last_run": run_json(status.last, status.last_trigger),
                "outcome": status.last.outcome.value if status.last and status.last.outcome else None,
            })
        return out

    def trigger(self, job: Job, ds: dt.date) -> Ticket | None:
        """Queue a manual run under a new run id (the ticket's id); None if the job is busy or
        the service is stopping."""
        run_id = new_run_id(utc_now())
        future = self.state.submit(job.name, [ds], "manual", run_id=run_id)
        if future is None:
            return None
        ticket = Ticket(run_id, job.name, ds.isoformat(), future, utc_now().isoformat())
        with self._lock:
            self._tickets[run_id] = ticket
            while len(self._tickets) > MAX_TICKETS:
                self._tickets.popitem(last=False)
        return ticket

    def ticket_json(self, ticket_id: str) -> dict[str, Any] | None:
        """The state of a manual run: queued, running or finished."""
        with self._lock:
            ticket = self._tickets.get(ticket_id)
        if ticket is None:
            return None
        out: dict[str, Any] = {"id": ticket.id, "job": ticket.job, "ds": ticket.ds,
                               "trigger": "manual", "accepted_at": ticket.accepted_at,
                               "state": "queued", "run_id": ticket.id, "outcome": None,
                               "started_at": None, "ended_at": None, "error": None}
        record: RunRecord | None = None
        if ticket.future.done():
            out["state"] = "finished"
            record = None if ticket.future.cancelled() else ticket.future.result()
            if record is None:
                out["error"] = "the service stopped before the run finished"
        else:
            status = self.state.status(ticket.job)
            if status.run_id == ticket.id and status.running is not None:
                out["state"], record = "running", status.running.record
        if record is not None:
            out.update(run_id=record.run_id, started_at=record.started_at, ended_at=record.ended_at,
                       outcome=record.outcome.value if record.outcome else None, error=record.error)
        return out


def run_json(record: RunRecord | None, trigger: str | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"run_id": record.run_id, "ds": record.ds, "trigger": trigger,
            "outcome": record.outcome.value if record.outcome else None,
            "started_at": record.started_at, "ended_at": record.ended_at, "error": record.error}


def default_ds(job: Job) -> dt.date:
    if job.schedule is not None:
        return ds_for(job.schedule, utc_now())
    return utc_now().date() - dt.timedelta(days=1)
