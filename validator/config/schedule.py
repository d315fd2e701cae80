"""Cron schedules of jobs: triggers (APScheduler's CronTrigger, timezone aware), the ds a fire
time validates, and the ds values missed while the service was down. Pure: times come in."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, model_validator

from validator.core.policy import StrictModel

_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")
# How far back the catch-up looks for fire times: enough for weekly and monthly crons.
_MAX_LOOKBACK_DAYS = 400


def timezone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone '{name}'; use an IANA name such as 'UTC' or "
                         "'Europe/Berlin'") from None


def cron_trigger(cron: str, tz_name: str) -> CronTrigger:
    """Standard 5-field crontab (minute hour day month day_of_week), or 6 fields with seconds
    first. Day-of-week names (mon..sun) are safest; APScheduler counts numbers from Monday=0."""
    tz = timezone(tz_name)
    parts = cron.split()
    try:
        if len(parts) == 5:
            return CronTrigger.from_crontab(cron, timezone=tz)
        if len(parts) == 6:
            return CronTrigger(timezone=tz, **dict(zip(_FIELDS, parts, strict=True)))
    except ValueError as err:
        raise ValueError(f"invalid cron '{cron}': {err}") from None
    raise ValueError(f"cron '{cron}' has {len(parts)} fields; give 5 (minute hour day month "
                     "day_of_week) or 6 (second first)")


def trigger_for(schedule: ScheduleConfig) -> CronTrigger:
    return cron_trigger(schedule.cron, schedule.timezone)


def ds_for(schedule: ScheduleConfig, fire_time: dt.datetime) -> dt.date:
    """The partition a fire validates: the fire's date in the schedule's timezone plus the
    offset (-1: a run at 06:00 checks yesterday's data)."""
    local = fire_time.astimezone(timezone(schedule.timezone))
    return local.date() + dt.timedelta(days=schedule.ds_offset_days)


def latest_fire_time(schedule: ScheduleConfig, now: dt.datetime,
                     window: dt.timedelta = dt.timedelta(seconds=60)) -> dt.datetime:
    """The scheduled time of the fire being handled at `now` (a fire is handled moments after
    its time; a fire at 23:59:59 handled at 00:00:00.01 still belongs to the earlier day)."""
    trigger = trigger_for(schedule)
    latest = None
    candidate = trigger.get_next_fire_time(None, now - window)
    while candidate is not None and candidate <= now:
        latest = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate + dt.timedelta(microseconds=1))
    return latest or now


def ds_of_fire(schedule: ScheduleConfig, now: dt.datetime) -> dt.date:
    """The ds of the fire being handled at `now`. APScheduler still runs a fire up to
    misfire_grace_seconds late, so look back that far for its scheduled time."""
    window = dt.timedelta(seconds=schedule.misfire_grace_seconds + 60)
    return ds_for(schedule, latest_fire_time(schedule, now, window))


def recent_scheduled_ds(schedule: ScheduleConfig, now: dt.datetime, count: int) -> list[dt.date]:
    """The ds values of the `count` most recent local days with a fire time at or before `now`,
    oldest first: what a service that had been running would have validated."""
    if count <= 0:
        return []
    tz = timezone(schedule.timezone)
    trigger = trigger_for(schedule)
    local_now = now.astimezone(tz)
    found: list[dt.date] = []
    day = local_now.date()
    for _ in range(_MAX_LOOKBACK_DAYS):
        start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        first = trigger.get_next_fire_time(None, start)
        if first is not None and first.date() == day and first <= local_now:
            found.append(day + dt.timedelta(days=schedule.ds_offset_days))
            if len(found) == count:
                break
        day -= dt.timedelta(days=1)
    return sorted(found)


class ScheduleConfig(StrictModel):
    """When `dqv serve` runs the job (docs/serve.md)."""

    cron: str = Field(description="5 fields (min hour dom mon dow) or 6 (sec min hour dom mon dow)")
    timezone: str = "UTC"
    ds_offset_days: int = Field(-1, ge=-366, le=366, description="ds = local fire date + offset")
    catch_up: int = Field(1, ge=0, le=366, description="missed ds values run on start (0: none)")
    misfire_grace_seconds: int = Field(300, ge=1)

    @model_validator(mode="after")
    def _valid_trigger(self) -> ScheduleConfig:
        cron_trigger(self.cron, self.timezone)  # ValueError names the bad part
        return self


_RELATIVE_DS = re.compile(r"^-(\d{1,4})$")


def check_ds_text(text: str) -> str:
    """`--ds` as given: YYYY-MM-DD, `today`, `yesterday` or `-N` (N days ago). ValueError
    naming the forms otherwise."""
    value = text.strip().lower()
    if value in ("today", "yesterday") or _RELATIVE_DS.match(value):
        return value
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a ds; use YYYY-MM-DD, today, yesterday or -N "
                         "(N days ago)") from None
    return value


def resolve_ds(text: str, tz_name: str, now: dt.datetime) -> dt.date:
    """The date `--ds` names, with today taken in `tz_name` (the job's schedule timezone)."""
    value = check_ds_text(text)
    today = now.astimezone(timezone(tz_name)).date()
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    if match := _RELATIVE_DS.match(value):
        return today - dt.timedelta(days=int(match.group(1)))
    return dt.date.fromisoformat(value)
