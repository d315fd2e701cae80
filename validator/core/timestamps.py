"""Which numeric features hold points in time, and how to show them as dates. Pure.

One rule for every reader (the schema draft proposes no value range for them; the report shows
them as dates and does not highlight their moving range): a feature looks like a timestamp when
its smallest value is at least 2001-01-01 in epoch seconds (`EPOCH_2001`; milliseconds and
microseconds are larger still), or when its name ends with a time-like suffix (`TIME_NAMES`).
docs/report.md describes it.
"""

from __future__ import annotations

import datetime as dt

EPOCH_2001 = 978_307_200  # seconds since 1970 at 2001-01-01: larger values are taken for times
TIME_NAMES = ("time", "timestamp", "_at", "_ts", "date")
_YEAR_2100 = 4_102_444_800  # seconds; a value above this (as seconds) is read as ms, then µs


def looks_like_timestamp(name: str, minimum: float | None) -> bool:
    """True for event times: a minimum at or after 2001 in epoch seconds, or a time-like name
    (`*time`, `*timestamp`, `*_at`, `*_ts`, `*date`, and `ts`)."""
    lowered = name.lower()
    if lowered == "ts" or lowered.endswith(TIME_NAMES):
        return True
    return minimum is not None and minimum >= EPOCH_2001


def epoch_seconds(value: float) -> float | None:
    """`value` as epoch seconds, read as seconds, milliseconds or microseconds, whichever lands
    between 2001 and 2100; None when none does (e.g. 20261101 or a duration)."""
    for scale in (1.0, 1e3, 1e6):
        seconds = value / scale
        if EPOCH_2001 <= seconds <= _YEAR_2100:
            return seconds
    return None


def as_date_text(value: float) -> str | None:
    """'2026-11-06 13:45:10 UTC' (the date alone at midnight), or None when `value` is not a
    plausible epoch time."""
    seconds = epoch_seconds(value)
    if seconds is None:
        return None
    when = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if when.time() == dt.time(0):
        return when.date().isoformat()
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")
