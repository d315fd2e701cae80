"""The settings of the `monitors:` block of a job file (docs/monitors.md; parsed by config/), kept
in core because the pure monitors read them: monitors that learn from the job's
own run history. Every setting is data, with defaults that suit a daily table."""

from __future__ import annotations

import re
import zoneinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from validator.core.run_metrics import FEATURE_METRICS

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float:
    """'6h' -> 21600.0 (0 allowed); ValueError for anything else."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration; write e.g. '1h', '90m' or '0h'")
    return float(match.group(1)) * _SECONDS[match.group(2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BandSettings(_Strict):
    """How a band is learned from history and when a value is out of it."""

    enabled: bool = True
    seasonality: Literal["auto", "none", "day_of_week"] = Field(
        "auto", description="auto: day_of_week when the history shows a weekly pattern")
    sensitivity: float = Field(3.0, gt=0, le=100,
                               description="band half-width in robust standard deviations")
    min_history: int = Field(14, ge=1, le=3650,
                             description="usable earlier runs needed; before that: learning")
    training_days: int = Field(56, ge=7, le=3650, description="days before the ds learned from")
    min_change: float = Field(0.0, ge=0, description="changes smaller than this never fire "
                                                      "(the metric's unit, e.g. rows)")
    min_change_percent: float = Field(10.0, ge=0, le=1000,
                                      description="changes smaller than this % of the expected "
                                                  "value never fire")
    direction: Literal["both", "drop", "spike"] = "both"

    @model_validator(mode="after")
    def _window_holds_weekdays(self) -> BandSettings:
        if self.seasonality == "day_of_week" and self.training_days < 21:
            raise ValueError("seasonality day_of_week learns from 3 earlier same weekdays: "
                             "give training_days 21 or more")
        return self


class ColumnMonitor(BandSettings):
    """Column metric monitors: `feature` a name or "*" (every feature of the partition)."""

    feature: str = Field(min_length=1)
    metrics: list[str] = Field(min_length=1)

    @field_validator("metrics")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in FEATURE_METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}; use "
                             f"{', '.join(FEATURE_METRICS)}")
        return value


class DuplicateSettings(_Strict):
    enabled: bool = True
    lookback_days: int = Field(90, ge=1, le=3650,
                               description="earlier partitions compared by fingerprint")


class FreshnessSettings(_Strict):
    """With `monitors.event_time`, the partition's event times against its ds: the day from
    local midnight to midnight in `timezone` (23 or 25 hours on a DST change)."""

    timezone: str | None = Field(None, description="the zone ds days are in (IANA name); "
                                                    "default: the job's schedule timezone, else UTC")

    tolerance: str = Field("1h", description="events this far outside the ds still count as its")
    max_outside_share: float = Field(0.5, ge=0, le=1,
                                     description="STALE_PARTITION above this share of events "
                                                 "outside the ds")
    max_end_gap: str | None = Field("6h", description="PARTIAL_PARTITION when the newest event "
                                                      "is this long before the ds ends; null: off")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown timezone '{value}'; use an IANA name such as 'UTC' "
                                 "or 'America/New_York'") from None
        return value

    @field_validator("tolerance", "max_end_gap")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            duration_seconds(value)
        return value

    @property
    def tolerance_seconds(self) -> float:
        return duration_seconds(self.tolerance)

    @property
    def max_end_gap_seconds(self) -> float | None:
        return duration_seconds(self.max_end_gap) if self.max_end_gap is not None else None


class MonitorsConfig(_Strict):
    """Volume is on for every partitioned job; duplicates too; freshness needs `event_time`;
    column monitors are opt-in."""

    volume: BandSettings = Field(default_factory=BandSettings)
    duplicate: DuplicateSettings = Field(default_factory=DuplicateSettings)
    event_time: str | None = Field(None, description="an INT (epoch seconds) or FLOAT feature")
    freshness: FreshnessSettings = Field(default_factory=FreshnessSettings)
    columns: list[ColumnMonitor] = Field(default_factory=list)

    @property
    def read_days(self) -> int:
        """How far back one run reads the metric history."""
        trainings = [self.volume.training_days, *(c.training_days for c in self.columns)]
        return max([*trainings, self.duplicate.lookback_days if self.duplicate.enabled else 0])
