"""Schedules: cron fields (5, or 6 with seconds), timezones, the ds a fire validates, and the
ds values a catch-up looks at. Pure: times are given."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest

from validator.config.job import ScheduleConfig, load_job
from validator.config.schedule import cron_trigger, ds_for, ds_of_fire, latest_fire_time, recent_scheduled_ds
from validator.errors import ConfigError

UTC = dt.UTC


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_five_field_cron_is_timezone_aware() -> None:
    trigger = cron_trigger("0 6 * * *", "Europe/Berlin")
    fire = trigger.get_next_fire_time(None, _at("2026-11-30T06:00:00+00:00"))
    assert fire is not None and fire.isoformat() == "2026-12-01T06:00:00+01:00"
    summer = trigger.get_next_fire_time(None, _at("2026-07-01T00:00:00+00:00"))
    assert summer is not None and summer.isoformat() == "2026-07-01T06:00:00+02:00"


def test_six_field_cron_has_seconds_first() -> None:
    trigger = cron_trigger("*/3 * * * * *", "UTC")
    fire = trigger.get_next_fire_time(None, _at("2026-11-30T10:00:01+00:00"))
    assert fire is not None and fire.isoformat() == "2026-11-30T10:00:03+00:00"


@pytest.mark.parametrize(("cron", "tz", "message"), [
    ("0 6 * *", "UTC", "has 4 fields"),
    ("61 * * * *", "UTC", "invalid cron '61 * * * *'"),
    ("0 6 * * *", "Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
])
def test_bad_schedules_are_rejected(cron: str, tz: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        cron_trigger(cron, tz)


def test_bad_schedule_in_a_job_file_names_file_line_and_field(tmp_path: pathlib.Path) -> None:
    file = tmp_path / "j.yaml"
    file.write_text("name: j\nschema: s.pbtxt\nsource: {kind: local, path: x}\n"
                    "schedule:\n  cron: '0 25 * * *'\n")
    with pytest.raises(ConfigError) as err:
        load_job(file)
    assert (err.value.line, err.value.field) == (4, "schedule")
    assert "invalid cron '0 25 * * *'" in str(err.value)


def test_ds_is_the_local_fire_date_plus_the_offset() -> None:
    berlin = ScheduleConfig(cron="30 0 * * *", timezone="Europe/Berlin", ds_offset_days=-1)
    # 00:30 in Berlin is still the previous day in UTC; the ds follows the schedule's timezone.
    assert ds_for(berlin, _at("2026-11-30T23:30:00+00:00")) == dt.date(2026, 11, 30)
    same_day = ScheduleConfig(cron="0 18 * * *", ds_offset_days=0)
    assert ds_for(same_day, _at("2026-11-30T18:00:00+00:00")) == dt.date(2026, 11, 30)


def test_a_late_handled_fire_keeps_its_own_day() -> None:
    late = ScheduleConfig(cron="59 59 23 * * *", ds_offset_days=0)
    handled = _at("2026-11-30T00:00:00.200000+00:00")
    fire = latest_fire_time(late, handled)
    assert fire.isoformat() == "2026-11-29T23:59:59+00:00"
    assert ds_for(late, fire) == dt.date(2026, 11, 29)


def test_catch_up_looks_at_the_most_recent_scheduled_days() -> None:
    daily = ScheduleConfig(cron="0 6 * * *", ds_offset_days=-1, catch_up=3)
    # Before today's 06:00 fire: the last three fires were on the 27th, 28th and 29th.
    assert recent_scheduled_ds(daily, _at("2026-11-30T05:00:00+00:00"), 3) == [
        dt.date(2026, 11, 26), dt.date(2026, 11, 27), dt.date(2026, 11, 28)]
    assert recent_scheduled_ds(daily, _at("2026-11-30T07:00:00+00:00"), 2) == [
        dt.date(2026, 11, 28), dt.date(2026, 11, 29)]
    weekly = ScheduleConfig(cron="0 6 * * mon", ds_offset_days=0)
    assert recent_scheduled_ds(weekly, _at("2026-11-30T07:00:00+00:00"), 2) == [
        dt.date(2026, 11, 23), dt.date(2026, 11, 30)]
    assert recent_scheduled_ds(daily, _at("2026-11-30T07:00:00+00:00"), 0) == []


def test_a_late_fire_within_the_grace_time_keeps_its_own_ds() -> None:
    schedule = ScheduleConfig(cron="59 23 * * *", timezone="UTC", ds_offset_days=0,
                              misfire_grace_seconds=300)
    # The 23:59 fire of 11-04, handled 90 s late (after midnight), still checks 11-04.
    assert ds_of_fire(schedule, _at("2026-11-05T00:01:29+00:00")) == dt.date(2026, 11, 4)
    assert ds_of_fire(schedule, _at("2026-11-04T23:59:00.5+00:00")) == dt.date(2026, 11, 4)
