"""The one rule for timestamp-like features (core/timestamps.py), shared by the schema draft and
the report, and how they are written as dates."""

from __future__ import annotations

from validator.core.timestamps import as_date_text, epoch_seconds, looks_like_timestamp

DAY = 1_793_923_200  # 2026-11-06T00:00:00Z


def test_timestamps_by_value_or_name() -> None:
    assert looks_like_timestamp("x", DAY)
    assert looks_like_timestamp("event_time", 5) and looks_like_timestamp("created_at", None)
    assert looks_like_timestamp("ts", 0) and looks_like_timestamp("load_date", 0)
    assert not looks_like_timestamp("age", 13) and not looks_like_timestamp("x", None)


def test_epoch_seconds_milliseconds_and_microseconds_become_dates() -> None:
    assert as_date_text(DAY) == "2026-11-06"
    assert as_date_text(DAY + 3_725) == "2026-11-06 01:02:05 UTC"
    assert as_date_text(DAY * 1000.0) == "2026-11-06"
    assert as_date_text(DAY * 1_000_000.0) == "2026-11-06"
    assert epoch_seconds(20261106) is None and as_date_text(86_400) is None  # not times
