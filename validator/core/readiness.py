"""Late data is not bad data: what a run concludes when the data for its ds has not landed.

No data yet for the ds (the source found no path, partition or table for it, or the partition
holds no rows) is `not_ready`: never a pass, never a drift baseline, never an answer the gate
serves from the history, no page. A job may say by when the data is due (`expect_data_by`):
past that deadline the missing partition is a blocking `DATA_LATE` finding instead. Pure: the
clock comes in.

    expect_data_by: "10:00"   a time of day on the day after ds, in the job's schedule timezone
    expect_data_by: "+6h"     a duration after the end of the ds (its local midnight), m/h/d
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable

from validator.core.findings import Finding
from validator.core.outcome import Outcome, Severity
from validator.core.record import RunRecord

DATA_LATE = "DATA_LATE"
DATASET = "(dataset)"
_TIME_OF_DAY = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
_AFTER = re.compile(r"^\s*\+\s*(\d+)\s*([mhd])\s*$")
_UNIT = {"m": 60, "h": 3600, "d": 86400}


@dataclasses.dataclass(frozen=True)
class Deadline:
    """When the data of a ds is due: a local time on the next day, or a delay after the ds."""

    text: str
    time_of_day: dt.time | None = None
    after_end: dt.timedelta | None = None

    @classmethod
    def parse(cls, text: str) -> Deadline:
        """'10:00' or '+6h'; ValueError (reported with file and line) for anything else."""
        if match := _TIME_OF_DAY.match(text):
            return cls(text, time_of_day=dt.time(int(match.group(1)), int(match.group(2))))
        if match := _AFTER.match(text):
            return cls(text, after_end=dt.timedelta(seconds=int(match.group(1)) * _UNIT[match.group(2)]))
        raise ValueError(f"'{text}' is not a deadline; write a time of day on the day after the "
                         "ds such as '10:00', or a delay after the end of the ds such as '+6h'")

    def due(self, ds: dt.date, timezone: str) -> dt.datetime:
        """The moment the data of `ds` is due, timezone-aware."""
        tz = zoneinfo.ZoneInfo(timezone)
        next_day = ds + dt.timedelta(days=1)
        if self.time_of_day is not None:
            return dt.datetime.combine(next_day, self.time_of_day, tzinfo=tz)
        end = dt.datetime.combine(next_day, dt.time(), tzinfo=tz)
        return end + (self.after_end or dt.timedelta())


@dataclasses.dataclass(frozen=True)
class Missing:
    """The conclusion for a run that found no data: `not_ready` (with the reason as the run's
    error), or `block` with one DATA_LATE finding once the deadline has passed."""

    outcome: Outcome
    error: str | None
    findings: tuple[Finding, ...] = ()


def no_data(reason: str, ds: dt.date | None, deadline: Deadline | None, *, timezone: str,
            now: dt.datetime) -> Missing:
    """What a run without data for `ds` concludes at `now`."""
    if deadline is None or ds is None:
        return Missing(Outcome.NOT_READY, reason)
    due = deadline.due(ds, timezone)
    if now < due:
        return Missing(Outcome.NOT_READY, f"{reason} (due by {due.isoformat()})")
    late = Finding(feature=DATASET, anomaly_type=DATA_LATE, severity=Severity.ERROR,
                   short_description="Data late",
                   description=f"no data for ds={ds.isoformat()} by its deadline "
                               f"{due.isoformat()} (expect_data_by: '{deadline.text}'): {reason}")
    return Missing(Outcome.BLOCK, None, (late,))


def awaits_data(record: RunRecord) -> bool:
    """A run that found no data (not ready, or blocked as late): it says nothing about the data,
    so it never answers the gate from the history and is never a baseline."""
    return record.outcome is Outcome.NOT_READY or is_late(record.findings)


def is_late(findings: Iterable[Finding]) -> bool:
    return any(f.anomaly_type == DATA_LATE for f in findings)
