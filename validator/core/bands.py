"""Learning an expected band for one metric from its history. Pure.

Robust: the centre is a median and the spread the median absolute deviation (scaled by
1.4826 to a standard deviation), so one bad day among the learned ones neither moves nor
widens the band. Weekly seasonality: with `day_of_week` the centre is the median of the same
weekday and the spread is pooled over the weekdays' deviations from their own medians.
`auto` takes `day_of_week` when treating all days alike would put clearly more of the
learned days out of band than judging each weekday by its own (docs/monitors.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
from collections.abc import Sequence

from validator.core.monitor_settings import BandSettings

MAD_TO_SIGMA = 1.4826
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_PER_WEEKDAY = 2  # weekdays with this many points show a pattern
MIN_SAME_WEEKDAY = 3  # a day-of-week band needs this many (a median of 2 is their mean)


@dataclasses.dataclass(frozen=True)
class Band:
    lower: float
    upper: float
    center: float
    points: int  # values the band was learned from
    basis: str  # "the last 8 Wednesdays", "the last 20 evaluated days"
    seasonality: str  # none | day_of_week

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper

    def to_json(self) -> dict[str, object]:
        """An open side (direction drop or spike) is null."""
        data = dataclasses.asdict(self)
        for edge in ("lower", "upper"):
            if math.isinf(data[edge]):
                data[edge] = None
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Band:
        lower, upper = data.get("lower"), data.get("upper")
        return cls(lower=-math.inf if lower is None else float(str(lower)),
                   upper=math.inf if upper is None else float(str(upper)),
                   center=float(str(data["center"])), points=int(str(data["points"])),
                   basis=str(data["basis"]), seasonality=str(data["seasonality"]))


@dataclasses.dataclass(frozen=True)
class Learned:
    """A band, or why there is none yet (`learning`)."""

    band: Band | None
    learning: str | None = None


def _half_width(center: float, residuals: Sequence[float], settings: BandSettings) -> float:
    scale = MAD_TO_SIGMA * statistics.median([abs(r) for r in residuals]) if residuals else 0.0
    return max(settings.sensitivity * scale, settings.min_change,
               settings.min_change_percent / 100.0 * abs(center))


def _groups(points: Sequence[tuple[dt.date, float]]) -> dict[int, list[float]]:
    groups: dict[int, list[float]] = {}
    for day, value in points:
        groups.setdefault(day.weekday(), []).append(value)
    return groups


def _weekday_residuals(groups: dict[int, list[float]]) -> list[float]:
    out: list[float] = []
    for values in groups.values():
        if len(values) >= MIN_PER_WEEKDAY:
            center = statistics.median(values)
            out.extend(v - center for v in values)
    return out


def weekly_pattern(points: Sequence[tuple[dt.date, float]], settings: BandSettings) -> bool:
    """True when judging each weekday by its own median puts clearly fewer of the learned
    days out of band than one band for all days (at least 2 days, and under half as many)."""
    groups = _groups(points)
    if sum(len(v) >= MIN_PER_WEEKDAY for v in groups.values()) < 2:
        return False
    values = [v for _, v in points]
    center = statistics.median(values)
    width = _half_width(center, [v - center for v in values], settings)
    out_flat = sum(abs(v - center) > width for v in values)
    residuals = _weekday_residuals(groups)
    out_weekly = 0
    for members in groups.values():
        if len(members) < MIN_PER_WEEKDAY:
            continue
        own = statistics.median(members)
        own_width = _half_width(own, residuals, settings)
        out_weekly += sum(abs(v - own) > own_width for v in members)
    return out_flat >= 2 and 2 * out_weekly < out_flat


def learn(points: Sequence[tuple[dt.date, float]], ds: dt.date, settings: BandSettings,
          non_negative: bool = True) -> Learned:
    """The band for `ds` from earlier (day, value) points already filtered to the usable ones
    (evaluated, not blocked, not flagged, inside the training window)."""
    if len(points) < settings.min_history:
        return Learned(None, f"learning: {len(points)} of {settings.min_history} usable earlier "
                             "runs; never blocks until then")
    seasonality = settings.seasonality
    if seasonality == "auto":  # a window too short for 3 of each weekday learns one band
        weekly = settings.training_days >= 7 * MIN_SAME_WEEKDAY and weekly_pattern(points, settings)
        seasonality = "day_of_week" if weekly else "none"
    weekday = WEEKDAYS[ds.weekday()]
    if seasonality == "day_of_week":
        groups = _groups(points)
        same_day = groups.get(ds.weekday(), [])
        if len(same_day) < MIN_SAME_WEEKDAY:
            return Learned(None, f"learning: {len(same_day)} earlier {weekday}(s) of "
                                 f"{MIN_SAME_WEEKDAY} needed for a day-of-week band")
        center = statistics.median(same_day)
        residuals = _weekday_residuals(groups)
        basis, count = f"the last {len(same_day)} {weekday}s", len(same_day)
    else:
        values = [v for _, v in points]
        center = statistics.median(values)
        residuals = [v - center for v in values]
        basis, count = f"the last {len(values)} evaluated days", len(values)
    width = _half_width(center, residuals, settings)
    lower, upper = center - width, center + width
    if non_negative:
        lower = max(0.0, lower)
    if settings.direction == "drop":
        upper = math.inf
    elif settings.direction == "spike":
        lower = -math.inf
    return Learned(Band(lower=lower, upper=upper, center=center, points=count, basis=basis,
                        seasonality=seasonality))
