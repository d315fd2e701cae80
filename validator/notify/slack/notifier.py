"""The Slack run observer and the outbox it delivers through.

Every message goes into the outbox first and is then delivered with everything queued
before it, in order: Slack being down for a while loses nothing and reorders nothing.
A delivery problem is logged and raised as DeliveryError; the runner records it in
`record.delivery["slack"]` and the verdict stays what it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import pathlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from validator.config.job import Job
from validator.core.evidence import RowEvidence
from validator.core.outcome import Outcome
from validator.errors import ConfigError, DeliveryError
from validator.notify.slack.blocks import AlertFacts, Message
from validator.notify.slack.plan import PlanInput, plan
from validator.notify.slack.routes import Routes, load_routes, routes_path, split_by_channel
from validator.notify.slack.state import AlertStore, Kind, OutboxEntry
from validator.notify.slack.transport import SlackRejected, SlackSettings, SlackUnavailable, Transport

if TYPE_CHECKING:
    from validator.core.result import RunResult

log = logging.getLogger("dqv")
Lock = Callable[[], contextlib.AbstractContextManager[Any]]
REPORT_FILE = "report.html"
UNROUTED: Kind = "unrouted"
NOT_EVALUATED = {"feature": "(run)", "anomaly_type": "NOT_EVALUATED", "severity": "error",
                 "short_description": "the data was not evaluated", "value": None, "threshold": None}


@dataclasses.dataclass(frozen=True)
class FlushResult:
    delivered: int
    set_aside: int  # refused by Slack for good
    waiting: int  # still in the outbox
    error: str = ""  # why the rest waits


class Outbox:
    def __init__(self, store: AlertStore, transport: Transport, clock: Callable[[], float] = time.time
                 ) -> None:
        self._store = store
        self._transport = transport
        self._clock = clock

    def flush(self) -> FlushResult:
        unrouted, reason = self._route_waiting()
        delivered = set_aside = 0
        pending = [e for e in self._store.pending() if e.kind != UNROUTED]
        for index, entry in enumerate(pending):
            try:
                self._deliver(entry)
            except SlackUnavailable as err:
                self._store.record_attempt(entry, str(err))
                return FlushResult(delivered, set_aside, len(pending) - index + unrouted, str(err))
            except SlackRejected as err:
                log.error("slack: %s; message to %s set aside (job %s)", err, entry.channel, entry.job)
                self._store.settle(entry, delivered=False, error=str(err))
                set_aside += 1
                continue
            self._store.settle(entry, delivered=True)
            delivered += 1
        return FlushResult(delivered, set_aside, unrouted, reason)

    def _route_waiting(self) -> tuple[int, str]:
        """Route the alerts that wait for valid routes; returns how many still wait, and why."""
        waiting, reason = 0, ""
        for entry in (e for e in self._store.pending() if e.kind == UNROUTED):
            alert = entry.message
            try:
                routes = load_routes(routes_path(pathlib.Path(alert["project_dir"])))
            except ConfigError as err:
                self._store.record_attempt(entry, f"alert routes are invalid ({err})")
                waiting, reason = waiting + 1, entry.last_error
                continue
            facts = _facts_from_json(alert["facts"])
            queue(self._store, Routing(routes, self._transport.threads_supported, self._clock()),
                  facts, alert.get("owner") or "")
            self._store.settle(entry, delivered=True)
        return waiting, reason

    def _deliver(self, entry: OutboxEntry) -> None:
        thread = self._store.thread(entry.thread_id)
        channel = (thread.channel_id if thread else None) or entry.channel
        # A reply whose opening message never reached Slack goes out as a message of its own.
        thread_ts = thread.ts if thread and entry.kind != "open" else None
        posted = self._transport.post(channel, Message.from_json(entry.message), thread_ts)
        if entry.kind == "open" and thread is not None:
            thread.ts, thread.channel_id = posted.ts, posted.channel_id
            self._store.save_thread(thread)


class SlackNotifier:
    """Tells Slack about finished runs (a RunObserver)."""

    name = "slack"

    def __init__(self, routes: Routes | ConfigError, settings: SlackSettings,
                 store: Callable[[], AlertStore], transport: Callable[[], Transport],
                 clock: Callable[[], float] = time.time, lock: Lock = contextlib.nullcontext) -> None:
        self._routes = routes
        self._settings = settings
        self._store = store
        self._transport = transport
        self._clock = clock
        self._lock = lock  # one notifier at a time per store: no message goes out twice

    def run_finished(self, job: Job, result: RunResult) -> None:
        if result.outcome is Outcome.NOT_READY:
            return  # late data is not bad data: no page, no thread reply, no resolution
        if isinstance(self._routes, ConfigError):
            # Queued before anything can fail: the alert waits, with the reason, until the
            # routes are fixed (`dqv alerts flush` or the next run routes and delivers it).
            reason = f"alert routes are invalid ({self._routes})"
            with self._lock():
                self._store().enqueue(OutboxEntry(
                    job=job.name, channel="", thread_id="", kind=UNROUTED, created_at=self._clock(),
                    message={"facts": _facts_to_json(_facts(result.record, job)), "owner": job.owner,
                             "project_dir": str(job.project_dir)}, last_error=reason))
            raise DeliveryError(f"{reason}; the alert waits in the outbox: fix the routes "
                                "(`dqv validate-config` checks them), then `dqv alerts flush`")
        with self._lock():
            self._notify(job, self._routes, result)

    def _notify(self, job: Job, routes: Routes, result: RunResult) -> None:
        store = self._store()
        transport = self._transport()
        queue(store, Routing(routes, transport.threads_supported, self._clock()),
              _facts(result.record, job), job.owner)
        outcome = Outbox(store, transport, self._clock).flush()
        if outcome.waiting:
            message = (f"{outcome.error}; {outcome.waiting} message(s) wait in the outbox and go out "
                       "with the next run or `dqv alerts flush`")
            log.error("slack: %s", message)
            raise DeliveryError(message)
        if outcome.set_aside:
            raise DeliveryError(f"Slack refused {outcome.set_aside} message(s); see the log")


    def post_summary(self, job: Job, records: list[Any], message: Message) -> None:
        """One message (a backfill's summary) to every channel the records' findings route to."""
        if isinstance(self._routes, ConfigError):
            raise DeliveryError(f"alert routes are invalid ({self._routes}); fix them")
        channels: set[str] = set()
        for record in records:
            if record.outcome is Outcome.NOT_READY:
                continue
            facts = _facts(record, job)
            channels |= set(split_by_channel(self._routes, job.name, job.owner, list(facts.findings)))
        if not channels:
            return
        with self._lock():
            store = self._store()
            first, last = records[0].run_id, records[-1].run_id
            for channel in sorted(channels):
                store.enqueue(OutboxEntry(job=job.name, channel=channel,
                                          thread_id=f"{job.name}/{channel}/summary/{first}-{last}",
                                          kind="open", message=message.to_json(),
                                          created_at=self._clock()))
            outcome = Outbox(store, self._transport()).flush()
        if outcome.waiting or outcome.set_aside:
            raise DeliveryError(f"the backfill summary was not delivered ({outcome.error or 'refused'}); "
                                "it waits in the outbox for `dqv alerts flush`")


@dataclasses.dataclass(frozen=True)
class Routing:
    routes: Routes
    threads_supported: bool
    now: float


def queue(store: AlertStore, routing: Routing, facts: AlertFacts, owner: str) -> None:
    """Plan one run's messages against the job's open threads and put them in the outbox."""
    routes = routing.routes
    facts = dataclasses.replace(facts, owner=facts.owner or owner, public_url=routes.public_url)
    routed = split_by_channel(routes, facts.job, owner, list(facts.findings))
    actions, changed = plan(PlanInput(
        facts=facts, routed=routed, open_threads=store.open_threads(facts.job), now=routing.now,
        window_seconds=routes.suppression_window_hours * 3600,
        threads_supported=routing.threads_supported))
    for thread in changed:
        store.save_thread(thread)
    for action in actions:
        store.enqueue(OutboxEntry(job=facts.job, channel=action.thread.channel,
                                  thread_id=action.thread.thread_id, kind=action.kind,
                                  message=action.message.to_json(), created_at=routing.now))


def _facts_to_json(facts: AlertFacts) -> dict[str, Any]:
    return {"job": facts.job, "ds": facts.ds, "outcome": facts.outcome.value,
            "run_id": facts.run_id, "findings": list(facts.findings),
            "artifact_dir": facts.artifact_dir, "statistics": facts.statistics,
            "report": facts.report, "error": facts.error, "owner": facts.owner,
            "job_file": facts.job_file, "evidence": [e.to_json() for e in facts.evidence]}


def _facts_from_json(data: dict[str, Any]) -> AlertFacts:
    return AlertFacts(job=data["job"], ds=data.get("ds"), outcome=Outcome(data["outcome"]),
                      run_id=data["run_id"], findings=tuple(data.get("findings") or ()),
                      artifact_dir=data.get("artifact_dir") or "",
                      statistics=data.get("statistics"), report=data.get("report"),
                      error=data.get("error"), owner=data.get("owner") or "",
                      job_file=data.get("job_file") or "",
                      evidence=tuple(RowEvidence.from_json(e) for e in data.get("evidence") or ()))


def _job_file(job: Job) -> str:
    """The job file as the project names it (relative when it lies in the project)."""
    try:
        return str(job.file.resolve().relative_to(job.project_dir.resolve()))
    except ValueError:
        return str(job.file)


def _facts(record: Any, job: Job | None = None) -> AlertFacts:
    # Slack's message builders take the stored form of a finding (escaped as they are laid out).
    findings = [f.to_json() for f in record.findings]
    outcome = record.outcome or Outcome.NOT_EVALUATED
    if outcome is Outcome.NOT_EVALUATED:
        findings.append(dict(NOT_EVALUATED))
    report = pathlib.Path(record.artifact_dir) / REPORT_FILE if record.artifact_dir else None
    return AlertFacts(job=record.job, ds=record.ds, outcome=outcome, run_id=record.run_id,
                      findings=tuple(findings), artifact_dir=record.artifact_dir,
                      statistics=record.statistics, error=record.error,
                      report=str(report) if report is not None and report.is_file() else None,
                      owner=job.owner if job else "", job_file=_job_file(job) if job else "",
                      evidence=tuple(getattr(record, "evidence", ()) or ()))


def flush(store: AlertStore, settings: SlackSettings, transport: Transport | None = None) -> FlushResult:
    """Deliver whatever waits in the outbox (`dqv alerts flush`)."""
    from validator.notify.slack.transport import build_transport

    return Outbox(store, transport or build_transport(settings)).flush()
