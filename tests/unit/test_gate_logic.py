"""The gate's decision on run records: which run answers, freshness, fail-closed for runs that
were not evaluated, and the job's current waivers applied to the recorded findings."""

from __future__ import annotations

import datetime as dt

import pytest

from validator.config.job import Job, Waiver
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.errors import ConfigError
from validator.run.gate import evaluate, fresh_run, parse_max_age, verdict_from_record

DS = dt.date(2026, 11, 8)
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
BLOCKING = {"feature": "age", "anomaly_type": "INT_TYPE_BIG_INT", "severity": "error",
            "short_description": "Out-of-range values", "description": "Unexpectedly large value: 999.",
            "value": None, "threshold": None}


def _record(run_id: str, outcome: Outcome | None, ended: str | None, ds: str = "2026-11-08",
            findings: list[dict[str, object]] | None = None) -> RunRecord:
    return RunRecord(run_id=run_id, job="j", ds=ds, started_at=f"2026-11-30T{ended or '11:59'}:00+00:00",
                     outcome=outcome, ended_at=f"2026-11-30T{ended}:30+00:00" if ended else None,
                     findings=findings or [])


def _job(*waivers: Waiver) -> Job:
    return Job.model_validate({"name": "j", "schema": "s.pbtxt", "source": {"kind": "local", "path": "x"},
                               "waivers": [w.model_dump() for w in waivers]})


def test_max_age_durations() -> None:
    assert parse_max_age("0") == dt.timedelta(0)
    assert parse_max_age("90s") == dt.timedelta(seconds=90)
    assert parse_max_age("30m") == dt.timedelta(minutes=30)
    assert parse_max_age("6h") == dt.timedelta(hours=6)
    assert parse_max_age("2d") == dt.timedelta(days=2)
    with pytest.raises(ConfigError, match="not a duration"):
        parse_max_age("soon")


def test_the_latest_finished_run_of_the_ds_answers() -> None:
    runs = [_record("a", Outcome.PASS, "09:00"), _record("b", Outcome.BLOCK, "10:00"),
            _record("c", None, None), _record("d", Outcome.PASS, "11:00", ds="2026-11-09")]
    assert fresh_run(runs, DS, None, NOW).run_id == "b"  # type: ignore[union-attr]
    assert fresh_run(runs, DS, dt.timedelta(hours=3), NOW).run_id == "b"  # type: ignore[union-attr]
    assert fresh_run(runs, DS, dt.timedelta(hours=1), NOW) is None  # older than an hour
    assert fresh_run(runs, dt.date(2026, 11, 10), None, NOW) is None


def test_a_not_evaluated_run_never_answers() -> None:
    runs = [_record("a", Outcome.PASS, "09:00"), _record("b", Outcome.NOT_EVALUATED, "10:00")]
    assert fresh_run(runs, DS, None, NOW) is None
    ran: list[dt.date] = []

    def run_now(job: Job, ds: dt.date) -> RunRecord:
        ran.append(ds)
        return _record("new", Outcome.NOT_EVALUATED, "12:00")

    class History:
        def runs(self, job: str) -> list[RunRecord]:
            return runs

    verdict = evaluate(_job(), DS, History(), run_now, now=NOW)  # type: ignore[arg-type]
    assert ran == [DS]
    assert (verdict.outcome, verdict.answered_from, verdict.run_id, verdict.exit_code) == (
        Outcome.NOT_EVALUATED, "new_run", "new", 2)
    assert not verdict.may_train


def test_current_waivers_apply_to_a_recorded_block() -> None:
    record = _record("a", Outcome.BLOCK, "09:00", findings=[BLOCKING])
    waiver = Waiver(feature="age", anomaly="INT_TYPE_BIG_INT", until=DS, owner="o", reason="r")
    waived = verdict_from_record(_job(waiver), record, "history")
    assert (waived.outcome, [f.anomaly_type for f in waived.waivers_applied]) == (
        Outcome.WARN, ["INT_TYPE_BIG_INT"])
    assert waived.to_json()["waivers_applied"] == [{
        "feature": "age", "anomaly": "INT_TYPE_BIG_INT", "until": "2026-11-08", "owner": "o",
        "reason": "r", "expired": False, "waived_severity": "error"}]
    ran_out = Waiver(feature="age", anomaly="INT_TYPE_BIG_INT", until=DS - dt.timedelta(days=1),
                     owner="o", reason="r")
    blocked = verdict_from_record(_job(ran_out), record, "history")
    assert blocked.outcome is Outcome.BLOCK
    assert blocked.to_json()["waivers_expired"] == [{
        "feature": "age", "anomaly": "INT_TYPE_BIG_INT", "until": "2026-11-07", "owner": "o",
        "reason": "r"}]
