"""The pre-training gate: "may I train on this ds?" answered from the run history when a
finished run of that ds is fresh enough, else by running the job now.

Fail closed: a run that was not evaluated, or found no data (not ready, or DATA_LATE), never
answers the gate from the history (the data may have arrived since; the job runs again), and no
verdict is never a pass. With a wait, a not-ready answer is checked again every poll until the
data is there or the wait ends (`wait_for_data`: one loop against one deadline).
The job's *current* waivers are applied to the findings of the run that answers, so granting
or revoking a waiver takes effect at the next gate call without recomputing statistics;
changed severity rules or schemas need a new run (`--max-age 0`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from validator.config.job import Job
from validator.core.finding_text import plain_lines
from validator.core.findings import Finding, outcome_of, worst_first
from validator.core.outcome import Outcome, Severity
from validator.core.readiness import awaits_data
from validator.core.record import RunRecord, utc_now
from validator.core.waivers import apply_waivers, expired, reference_date
from validator.errors import ConfigError
from validator.history.store import RunStore

RunNow = Callable[[Job, dt.date], RunRecord]
_AGE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_max_age(text: str) -> dt.timedelta:
    """'0' (always run), '90s', '30m', '6h', '2d'."""
    match = _AGE.match(text)
    if not match:
        raise ConfigError(f"--max-age '{text}' is not a duration; write e.g. '0', '30m', '6h' or '2d'")
    return dt.timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


@dataclasses.dataclass(frozen=True)
class GateVerdict:
    """The gate's answer for one job and ds."""

    job: str
    ds: str
    outcome: Outcome
    answered_from: Literal["history", "new_run"]
    run_id: str | None
    run_started_at: str | None
    run_ended_at: str | None
    findings: tuple[Finding, ...] = ()
    expired_waivers: tuple[dict[str, str], ...] = ()
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code

    @property
    def may_train(self) -> bool:
        return self.outcome in (Outcome.PASS, Outcome.WARN)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def waivers_applied(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waiver is not None and not f.waiver.expired)

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job, "ds": self.ds, "outcome": self.outcome.value,
            "exit_code": self.exit_code, "may_train": self.may_train,
            "answered_from": self.answered_from, "run_id": self.run_id,
            "run_started_at": self.run_started_at, "run_ended_at": self.run_ended_at,
            "error": self.error,
            "blocking": [f.to_json() for f in self.blocking],
            "warnings": [f.to_json() for f in self.warnings],
            "waivers_applied": [_waiver_json(f) for f in self.waivers_applied],
            "waivers_expired": list(self.expired_waivers),
        }


def _waiver_json(finding: Finding) -> dict[str, Any]:
    assert finding.waiver is not None
    return {"feature": finding.feature, "anomaly": finding.anomaly_type, **finding.waiver.to_json()}


def _age(record: RunRecord, now: dt.datetime) -> dt.timedelta:
    ended = dt.datetime.fromisoformat(record.ended_at or record.started_at)
    return now - ended


def fresh_run(runs: list[RunRecord], ds: dt.date, max_age: dt.timedelta | None,
              now: dt.datetime) -> RunRecord | None:
    """The latest finished run of `ds` if it was evaluated and is not older than `max_age`."""
    finished = [r for r in runs if r.ds == ds.isoformat() and r.is_finished]
    if not finished:
        return None
    latest = max(finished, key=lambda r: r.started_at)
    if latest.outcome is Outcome.NOT_EVALUATED or awaits_data(latest):
        return None
    if max_age is not None and _age(latest, now) > max_age:
        return None
    return latest


def verdict_from_record(job: Job, record: RunRecord, answered_from: Literal["history", "new_run"],
                        ) -> GateVerdict:
    """The gate's answer from one run, with the job's current waivers applied."""
    ds = record.ds or ""
    as_of = reference_date(record.ds)
    findings: tuple[Finding, ...] = ()
    outcome = record.outcome or Outcome.NOT_EVALUATED
    if outcome not in (Outcome.NOT_EVALUATED, Outcome.NOT_READY):
        findings = apply_waivers(record.findings, job.waivers, as_of)
        outcome = outcome_of(findings)
    ran_out = tuple({"feature": w.feature, "anomaly": w.anomaly, "until": w.until.isoformat(),
                     "owner": w.owner, "reason": w.reason} for w in expired(job.waivers, as_of))
    return GateVerdict(job=job.name, ds=ds, outcome=outcome, answered_from=answered_from,
                       run_id=record.run_id, run_started_at=record.started_at,
                       run_ended_at=record.ended_at, findings=findings, expired_waivers=ran_out,
                       error=record.error if outcome in (Outcome.NOT_EVALUATED, Outcome.NOT_READY)
                       else None)


def evaluate(job: Job, ds: dt.date, store: RunStore, run_now: RunNow, *,
             max_age: dt.timedelta | None = None, now: dt.datetime | None = None) -> GateVerdict:
    """Answer from the history if a fresh evaluated run of `ds` exists, else call `run_now`."""
    record = fresh_run(store.runs(job.name), ds, max_age, now or utc_now())
    if record is not None:
        return verdict_from_record(job, record, "history")
    return verdict_from_record(job, run_now(job, ds), "new_run")


def wait_for_data(check: Callable[[], GateVerdict], wait: dt.timedelta, poll: dt.timedelta, *,
                  pause: Callable[[float], object] | None = None,
                  clock: Callable[[], float] = time.monotonic) -> GateVerdict:
    """Call `check` until its answer is not `not_ready` or `wait` has passed; between calls,
    pause `poll` (never past the deadline). The last answer is returned (not_ready: exit 3)."""
    pause = pause or threading.Event().wait  # a plain timed wait, never a busy loop
    deadline = clock() + wait.total_seconds()
    while True:
        verdict = check()
        left = deadline - clock()
        if verdict.outcome is not Outcome.NOT_READY or left <= 0:
            return verdict
        pause(min(max(poll.total_seconds(), 0.01), left))


RETRY_AFTER_SECONDS = 300


def retry_after(verdict: GateVerdict) -> int | None:
    """Seconds after which a not-ready answer is worth asking again (HTTP Retry-After)."""
    return RETRY_AFTER_SECONDS if verdict.outcome is Outcome.NOT_READY else None


def summary(verdict: GateVerdict) -> str:
    """The human answer: one headline, then what blocks, what was waived and what ran out."""
    source = "from the history" if verdict.answered_from == "history" else "from a new run"
    lines = [f"gate {verdict.job} ds={verdict.ds}: {verdict.outcome.value.upper()} "
             f"({'may train' if verdict.may_train else 'do not train'}; {source}, run {verdict.run_id})"]
    if verdict.error:
        what = "not ready" if verdict.outcome is Outcome.NOT_READY else "not evaluated"
        lines.append(f"  {what}: {verdict.error}")
    for f in worst_first(verdict.blocking + verdict.warnings):
        lines += plain_lines(f)
    for f in verdict.waivers_applied:
        assert f.waiver is not None
        lines.append(f"  waived: {f.feature} {f.anomaly_type} until {f.waiver.until} by "
                     f"{f.waiver.owner}: {f.waiver.reason}")
    for w in verdict.expired_waivers:
        lines.append(f"  expired waiver: {w['feature']} {w['anomaly']} ended {w['until']} "
                     f"(owner {w['owner']}); remove it or extend it")
    return "\n".join(lines)
