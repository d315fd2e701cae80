"""The metrics one evaluated run leaves in the metric history, and the history as the
monitors see it. Pure values (no I/O), JSON round-trip for the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

FEATURE_METRICS = ("missing_ratio", "mean", "std", "min", "max", "distinct", "top_share",
                   "avg_length", "avg_values")
DATASET_METRICS = ("rows", "bytes")
_FEATURE_FIELDS = frozenset(FEATURE_METRICS)


@dataclasses.dataclass(frozen=True)
class FeatureMetrics:
    """One feature's metrics; None where the statistics do not say (e.g. mean of a string)."""

    missing_ratio: float | None = None
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    distinct: float | None = None  # string (categorical) features only
    top_share: float | None = None  # frequency of the most common value / values present
    avg_length: float | None = None  # strings
    avg_values: float | None = None  # values per row that has the feature (lists)

    def get(self, metric: str) -> float | None:
        value = getattr(self, metric)
        return None if value is None else float(value)

    def to_json(self) -> dict[str, float]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureMetrics:
        return cls(**{k: v for k, v in data.items() if k in _FEATURE_FIELDS})


@dataclasses.dataclass(frozen=True)
class PartitionMetrics:
    """Dataset metrics of one partition, its content fingerprint and, with an event-time
    column, the deciles of its event times (seconds since the epoch, min first, max last)."""

    rows: int
    bytes: int = 0
    fingerprint: str | None = None
    event_quantiles: tuple[float, ...] = ()
    features: Mapping[str, FeatureMetrics] = dataclasses.field(default_factory=dict)

    def value(self, feature: str | None, metric: str) -> float | None:
        """A dataset metric (feature None: rows, bytes) or a feature metric."""
        if feature is None:
            return float(self.rows) if metric == "rows" else float(self.bytes)
        found = self.features.get(feature)
        return found.get(metric) if found is not None else None

    @property
    def event_min(self) -> float | None:
        return self.event_quantiles[0] if self.event_quantiles else None

    @property
    def event_max(self) -> float | None:
        return self.event_quantiles[-1] if self.event_quantiles else None

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "bytes": self.bytes, "fingerprint": self.fingerprint,
                "event_quantiles": list(self.event_quantiles),
                "features": {name: f.to_json() for name, f in sorted(self.features.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PartitionMetrics:
        return cls(rows=int(data["rows"]), bytes=int(data.get("bytes", 0)),
                   fingerprint=data.get("fingerprint"),
                   event_quantiles=tuple(float(v) for v in data.get("event_quantiles", ())),
                   features={name: FeatureMetrics.from_json(f)
                             for name, f in data.get("features", {}).items()})


@dataclasses.dataclass(frozen=True)
class HistoryPoint:
    """One earlier evaluated partition (the latest run of its ds), as the monitors learn from it.

    `blocked`: the run's final outcome blocked (such a day never trains a band).
    `base_blocked`: findings other than the monitors' blocked it (what a replay starts from).
    `flagged`: keys of the monitors that fired on it; that day is left out of those bands.
    """

    ds: dt.date
    run_id: str
    metrics: PartitionMetrics
    blocked: bool = False
    base_blocked: bool = False
    flagged: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, Any]:
        return {"ds": self.ds.isoformat(), "run_id": self.run_id, "blocked": self.blocked,
                "base_blocked": self.base_blocked, "flagged": sorted(self.flagged),
                "metrics": self.metrics.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryPoint:
        return cls(ds=dt.date.fromisoformat(data["ds"]), run_id=str(data["run_id"]),
                   metrics=PartitionMetrics.from_json(data["metrics"]),
                   blocked=bool(data.get("blocked")), base_blocked=bool(data.get("base_blocked")),
                   flagged=frozenset(data.get("flagged", ())))
