"""Replaying the monitors over the recorded metric history (`dqv backtest`). Pure.

Days before `start` count as recorded. Each day from `start` on is judged in order with the
given settings; what the replay says about it (blocked, flagged) is what the later days learn
from, exactly as if the job had run with those settings. Other findings of a day (schema,
drift, ...) are not recomputed: a day they blocked stays blocked (`base_blocked`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from validator.core import monitors
from validator.core.findings import Finding
from validator.core.monitor_settings import MonitorsConfig
from validator.core.outcome import Severity
from validator.core.policy import SeverityConfig, Waiver
from validator.core.run_metrics import HistoryPoint


@dataclasses.dataclass(frozen=True)
class ReplayDay:
    ds: dt.date
    rows: int
    results: tuple[monitors.MonitorResult, ...]
    findings: tuple[Finding, ...]

    @property
    def fired(self) -> bool:
        """A monitor finding that would have been reported (warning or error)."""
        return any(f.severity is not Severity.IGNORE for f in self.findings)

    @property
    def would_block(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"ds": self.ds.isoformat(), "rows": self.rows, "fired": self.fired,
                "would_block": self.would_block,
                "findings": [f.to_json() for f in self.findings],
                "monitors": [r.to_json() for r in self.results]}


@dataclasses.dataclass(frozen=True)
class Backtest:
    start: dt.date
    end: dt.date
    days: tuple[ReplayDay, ...]

    @property
    def fired_days(self) -> list[dt.date]:
        return [d.ds for d in self.days if d.fired]

    @property
    def missing_days(self) -> list[dt.date]:
        """Days of the range without an evaluated run in the history."""
        recorded = {d.ds for d in self.days}
        total = (self.end - self.start).days + 1
        every = (self.start + dt.timedelta(days=n) for n in range(total))
        return [day for day in every if day not in recorded]

    def summary(self) -> str:
        """'would have fired 2 times in 90 days: 03-14, 05-02'."""
        total = (self.end - self.start).days + 1
        short = self.start.year == self.end.year
        names = [d.strftime("%m-%d") if short else d.isoformat() for d in self.fired_days]
        times = "once" if len(names) == 1 else f"{len(names)} times"
        text = f"would have fired {times} in {total} days"
        text += f": {', '.join(names)}" if names else ""
        missing = len(self.missing_days)
        return text + (f" ({missing} days without an evaluated run)" if missing else "")


def replay(points: Sequence[HistoryPoint], start: dt.date, end: dt.date, config: MonitorsConfig,
           policy: SeverityConfig, waivers: Sequence[Waiver] = ()) -> Backtest:
    """`points`: the metric history up to `end` (latest run per ds, oldest first)."""
    learned: list[HistoryPoint] = [p for p in points if p.ds < start]
    days: list[ReplayDay] = []
    for point in sorted((p for p in points if start <= p.ds <= end), key=lambda p: p.ds):
        results = monitors.evaluate(learned, point.metrics, point.ds, config)
        findings = monitors.to_findings(results, policy, waivers, point.ds)
        day = ReplayDay(point.ds, point.metrics.rows, results, findings)
        days.append(day)
        learned.append(dataclasses.replace(point, blocked=point.base_blocked or day.would_block,
                                           flagged=monitors.flagged(results)))
    return Backtest(start, end, tuple(days))
