"""Issue 13, the pure parts: deadlines and the not-ready / DATA_LATE decision, the worst-of
order and exit codes, --ds forms, the gate's wait loop (a fake clock: no sleeping), column
typos, schema restriction, and the Slack plan posting DATA_LATE once."""

from __future__ import annotations

import datetime as dt

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.config.schedule import resolve_ds
from validator.config.schema_io import restrict_to
from validator.core.outcome import Outcome, worst_exit_code
from validator.core.readiness import DATA_LATE, Deadline, awaits_data, no_data
from validator.core.record import RunRecord
from validator.run.gate import GateVerdict, fresh_run, wait_for_data
from validator.run.preflight import unknown_columns

DS = dt.date(2026, 11, 2)
UTC = dt.UTC


def test_deadline_forms() -> None:
    assert Deadline.parse("10:00").due(DS, "UTC") == dt.datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert Deadline.parse("+6h").due(DS, "UTC") == dt.datetime(2026, 11, 3, 6, tzinfo=UTC)
    berlin = Deadline.parse("10:00").due(DS, "Europe/Berlin")
    assert berlin.astimezone(UTC) == dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    for bad in ("10", "25:00", "6h", "+6x", ""):
        with pytest.raises(ValueError, match="not a deadline"):
            Deadline.parse(bad)


def test_missing_data_is_not_ready_until_the_deadline_then_late() -> None:
    deadline = Deadline.parse("10:00")
    before = no_data("no data", DS, deadline, timezone="UTC",
                     now=dt.datetime(2026, 11, 3, 9, 59, tzinfo=UTC))
    assert (before.outcome, before.findings) == (Outcome.NOT_READY, ())
    assert before.error is not None and "due by 2026-11-03T10:00:00+00:00" in before.error
    after = no_data("no data", DS, deadline, timezone="UTC",
                    now=dt.datetime(2026, 11, 3, 10, tzinfo=UTC))
    assert after.outcome is Outcome.BLOCK and after.error is None
    assert [(f.feature, f.anomaly_type, f.severity.value) for f in after.findings] == [
        ("(dataset)", DATA_LATE, "error")]
    without = no_data("no data", DS, None, timezone="UTC", now=dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert without.outcome is Outcome.NOT_READY


def _record(run_id: str, outcome: Outcome, findings: tuple[object, ...] = ()) -> RunRecord:
    return RunRecord(run_id=run_id, job="j", ds=DS.isoformat(),
                     started_at=f"2026-11-03T0{run_id}:00:00+00:00", outcome=outcome,
                     ended_at=f"2026-11-03T0{run_id}:00:01+00:00", findings=list(findings))


def test_runs_without_data_never_answer_from_the_history() -> None:
    late = no_data("x", DS, Deadline.parse("+1h"), timezone="UTC",
                   now=dt.datetime(2026, 11, 4, tzinfo=UTC)).findings
    now = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert fresh_run([_record("1", Outcome.NOT_READY)], DS, None, now) is None
    assert fresh_run([_record("1", Outcome.BLOCK, late)], DS, None, now) is None
    assert awaits_data(_record("1", Outcome.BLOCK, late))
    passed = _record("2", Outcome.PASS)
    assert fresh_run([_record("1", Outcome.NOT_READY), passed], DS, None, now) is passed


def test_exit_codes_and_the_worst_of_several_days() -> None:
    assert Outcome.NOT_READY.exit_code == 3
    assert worst_exit_code([Outcome.PASS, Outcome.NOT_READY]) == 3
    assert worst_exit_code([Outcome.NOT_READY, Outcome.BLOCK]) == 1  # bad data outranks late
    assert worst_exit_code([Outcome.BLOCK, Outcome.NOT_EVALUATED]) == 2
    assert worst_exit_code([]) == 2


def test_ds_forms_in_the_jobs_timezone() -> None:
    now = dt.datetime(2026, 11, 10, 23, 30, tzinfo=UTC)  # already 11-11 in Berlin
    assert resolve_ds("today", "UTC", now) == dt.date(2026, 11, 10)
    assert resolve_ds("today", "Europe/Berlin", now) == dt.date(2026, 11, 11)
    assert resolve_ds("yesterday", "UTC", now) == dt.date(2026, 11, 9)
    assert resolve_ds("-7", "UTC", now) == dt.date(2026, 11, 3)
    assert resolve_ds("2026-01-31", "UTC", now) == dt.date(2026, 1, 31)
    for bad in ("2026-13-01", "tomorrow", "+1", "7"):
        with pytest.raises(ValueError, match="not a ds"):
            resolve_ds(bad, "UTC", now)


def _verdict(outcome: Outcome) -> GateVerdict:
    return GateVerdict(job="j", ds=DS.isoformat(), outcome=outcome, answered_from="new_run",
                       run_id=None, run_started_at=None, run_ended_at=None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> bool:
        self.pauses.append(seconds)
        self.now += seconds
        return False


def test_wait_checks_every_poll_until_ready() -> None:
    clock = FakeClock()
    answers = iter([Outcome.NOT_READY, Outcome.NOT_READY, Outcome.PASS])
    verdict = wait_for_data(lambda: _verdict(next(answers)), dt.timedelta(minutes=10),
                            dt.timedelta(minutes=1), pause=clock.pause, clock=lambda: clock.now)
    assert verdict.outcome is Outcome.PASS and clock.pauses == [60.0, 60.0]


def test_wait_ends_not_ready_and_never_pauses_past_the_deadline() -> None:
    clock = FakeClock()
    verdict = wait_for_data(lambda: _verdict(Outcome.NOT_READY), dt.timedelta(seconds=150),
                            dt.timedelta(minutes=1), pause=clock.pause, clock=lambda: clock.now)
    assert verdict.outcome is Outcome.NOT_READY and clock.pauses == [60.0, 60.0, 30.0]
    blocked = wait_for_data(lambda: _verdict(Outcome.BLOCK), dt.timedelta(hours=1),
                            dt.timedelta(minutes=1), pause=clock.pause, clock=lambda: clock.now)
    assert blocked.outcome is Outcome.BLOCK  # only not_ready is waited on


def _schema(*names: str) -> schema_pb2.Schema:
    schema = schema_pb2.Schema()
    for name in names:
        schema.feature.add(name=name, type=schema_pb2.BYTES)
    return schema


def test_column_typos_and_the_closest_column() -> None:
    schema = _schema("user_id", "age", "country", "account_age_days")
    present = ["user_id", "age", "country", "ds"]
    assert unknown_columns(["user_id", "age", "countr"], present, schema) == [("countr", "country")]
    # In the schema but not in the data: a missing column the run reports, not a typo.
    assert unknown_columns(["account_age_days"], present, schema) == []
    assert unknown_columns(["zzz"], present, schema) == [("zzz", None)]


def test_schema_restricted_to_the_selected_columns() -> None:
    schema = _schema("user_id", "age", "country")
    restricted, left_out = restrict_to(schema, ["age", "User_Id"])
    assert [f.name for f in restricted.feature] == ["user_id", "age"] and left_out == ["country"]
    assert restrict_to(schema, None) == (schema, [])
