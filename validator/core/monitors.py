"""Monitors that learn from the run history. Pure: (history, current metrics, settings) ->
results -> findings. No I/O; the runner reads the history once and hands it in.

    volume      row count against a band learned from the job's own history (VOLUME_LOW/HIGH)
    duplicate   identical statistics to an earlier partition (DUPLICATE_PARTITION)
    freshness   with `event_time`: events from another day (STALE_PARTITION), or a day that
                ends early (PARTIAL_PARTITION)
    metric:F:M  column metric M of feature F against its band (METRIC_OUT_OF_BAND)

docs/monitors.md describes the settings and the messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import Any

from validator.core.bands import Band, learn
from validator.core.findings import Detail, Finding
from validator.core.monitor_settings import BandSettings, FreshnessSettings, MonitorsConfig
from validator.core.policy import SeverityConfig, Waiver, severity_for
from validator.core.run_metrics import HistoryPoint, PartitionMetrics
from validator.core.waivers import apply_waivers

DATASET = "(dataset)"  # as validation names dataset-level findings
VOLUME, DUPLICATE, FRESHNESS = "volume", "duplicate", "freshness"
MONITOR_ANOMALY_TYPES = ("VOLUME_LOW", "VOLUME_HIGH", "STALE_PARTITION", "PARTIAL_PARTITION",
                         "DUPLICATE_PARTITION", "METRIC_OUT_OF_BAND")
_SIGNED_METRICS = frozenset({"mean", "min", "max"})  # may be negative; the others never are


@dataclasses.dataclass(frozen=True)
class MonitorResult:
    """What one monitor said about one partition. `status`: ok, learning, fired, skipped."""

    key: str
    feature: str
    metric: str
    status: str
    message: str
    observed: float | None = None
    band: Band | None = None
    anomaly_type: str | None = None
    short: str = ""
    threshold: float | None = None  # the band edge (or limit) that was crossed

    @property
    def fired(self) -> bool:
        return self.status == "fired"

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["band"] = self.band.to_json() if self.band else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MonitorResult:
        band = data.get("band")
        return cls(key=str(data["key"]), feature=str(data["feature"]), metric=str(data["metric"]),
                   status=str(data["status"]), message=str(data.get("message", "")),
                   observed=data.get("observed"), band=Band.from_json(band) if band else None,
                   anomaly_type=data.get("anomaly_type"), short=str(data.get("short", "")),
                   threshold=data.get("threshold"))


def fmt(value: float) -> str:
    """1090.0 -> '1,090'; 0.0523 -> '0.0523'."""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.4g}"


def band_text(band: Band, whole: bool = False) -> str:
    """'890-1,090'; `whole` (counts) widens the edges to whole numbers."""
    lower = float(math.ceil(band.lower)) if whole and not math.isinf(band.lower) else band.lower
    upper = float(math.floor(band.upper)) if whole and not math.isinf(band.upper) else band.upper
    if math.isinf(upper):
        return f"at least {fmt(lower)}"
    if math.isinf(lower):
        return f"at most {fmt(upper)}"
    return f"{fmt(lower)}-{fmt(upper)}"


def _latest_per_ds(history: Sequence[HistoryPoint], before: dt.date) -> list[HistoryPoint]:
    """One point per earlier ds (the last given wins: history comes oldest first)."""
    by_ds = {p.ds: p for p in history if p.ds < before}
    return [by_ds[d] for d in sorted(by_ds)]


def _usable(history: Sequence[HistoryPoint], ds: dt.date, key: str, settings: BandSettings,
            value: Any) -> list[tuple[dt.date, float]]:
    start = ds - dt.timedelta(days=settings.training_days)
    out = []
    for point in history:
        if point.ds < start or point.blocked or key in point.flagged:
            continue
        found = value(point.metrics)
        if found is not None:
            out.append((point.ds, float(found)))
    return out


@dataclasses.dataclass(frozen=True)
class _Banded:
    key: str
    feature: str
    metric: str
    settings: BandSettings
    unit: str  # appended to values: " rows" for volume, "" for column metrics


def _judge_band(spec: _Banded, history: Sequence[HistoryPoint], current: PartitionMetrics,
                ds: dt.date) -> MonitorResult | None:
    feature = None if spec.feature == DATASET else spec.feature
    observed = current.value(feature, spec.metric)
    if observed is None:
        return None
    points = _usable(history, ds, spec.key, spec.settings,
                     lambda m: m.value(feature, spec.metric))
    learned = learn(points, ds, spec.settings, non_negative=spec.metric not in _SIGNED_METRICS)
    label = f"{fmt(observed)}{spec.unit}" if feature is None \
        else f"{spec.metric} of {spec.feature} {fmt(observed)}"
    base = MonitorResult(key=spec.key, feature=spec.feature, metric=spec.metric, status="ok",
                         message="", observed=observed)
    if learned.band is None:
        return dataclasses.replace(base, status="learning", message=f"{label}; {learned.learning}")
    band = learned.band
    message = f"{label}; expected {band_text(band, whole=feature is None)} from {band.basis}"
    if band.contains(observed):
        return dataclasses.replace(base, status="ok", message=message, band=band)
    low = observed < band.lower
    if feature is None:
        kind = "VOLUME_LOW" if low else "VOLUME_HIGH"
        short = "Row count below the expected band" if low else "Row count above the expected band"
    else:
        kind = "METRIC_OUT_OF_BAND"
        short = f"{spec.metric} {'below' if low else 'above'} the expected band"
    return dataclasses.replace(base, status="fired", message=message, band=band, anomaly_type=kind,
                         short=short, threshold=band.lower if low else band.upper)


def _column_specs(config: MonitorsConfig, current: PartitionMetrics) -> Iterator[_Banded]:
    chosen: dict[tuple[str, str], BandSettings] = {}
    ordered = sorted(config.columns, key=lambda c: c.feature != "*")  # named ones win over "*"
    for monitor in ordered:
        if not monitor.enabled:
            continue
        names = sorted(current.features) if monitor.feature == "*" else [monitor.feature]
        for name in names:
            for metric in monitor.metrics:
                chosen[(name, metric)] = monitor
    for (name, metric), settings in sorted(chosen.items()):
        yield _Banded(f"metric:{name}:{metric}", name, metric, settings, "")


def _duplicate(history: Sequence[HistoryPoint], current: PartitionMetrics, ds: dt.date,
               config: MonitorsConfig) -> MonitorResult | None:
    if not config.duplicate.enabled:
        return None
    base = MonitorResult(key=DUPLICATE, feature=DATASET, metric="fingerprint", status="ok",
                         message="")
    if current.rows == 0 or not current.fingerprint:
        return dataclasses.replace(base, status="skipped", message="no rows: nothing to compare")
    start = ds - dt.timedelta(days=config.duplicate.lookback_days)
    same = [p for p in history if start <= p.ds and p.metrics.fingerprint == current.fingerprint]
    if not same:
        return dataclasses.replace(base, status="ok",
                             message="statistics differ from every earlier partition")
    earlier = same[-1]
    return dataclasses.replace(base, status="fired", anomaly_type="DUPLICATE_PARTITION",
        short=f"Same data as ds={earlier.ds.isoformat()}",
        message=f"identical statistics to ds={earlier.ds.isoformat()} (run {earlier.run_id}): "
                "the same data loaded again under a new ds")


def share_below(quantiles: Sequence[float], x: float) -> float:
    """Fraction of values below x, interpolated between equally spaced quantiles."""
    if not quantiles or x <= quantiles[0]:
        return 0.0
    if x > quantiles[-1]:
        return 1.0
    buckets = len(quantiles) - 1
    for i in range(buckets):
        lo, hi = quantiles[i], quantiles[i + 1]
        if x <= hi:
            return (i + ((x - lo) / (hi - lo) if hi > lo else 1.0)) / max(buckets, 1)
    return 1.0


def _when(seconds: float, tz: dt.tzinfo = dt.UTC) -> str:
    moment = dt.datetime.fromtimestamp(seconds, tz)
    if moment.utcoffset() == dt.timedelta(0):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat(timespec="seconds")


def _day_bounds(ds: dt.date, zone: str | None) -> tuple[float, float, dt.tzinfo]:
    """[start, end) of the ds as epoch seconds: local midnights in `zone` (UTC by default), so
    a DST day is 23 or 25 hours long."""
    tz: dt.tzinfo = zoneinfo.ZoneInfo(zone) if zone else dt.UTC
    start = dt.datetime.combine(ds, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(ds + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.timestamp(), end.timestamp(), tz


def _freshness(current: PartitionMetrics, ds: dt.date, config: MonitorsConfig
               ) -> MonitorResult | None:
    if config.event_time is None:
        return None
    settings: FreshnessSettings = config.freshness
    base = MonitorResult(key=FRESHNESS, feature=config.event_time, metric="event_time",
                         status="ok", message="")
    quantiles = current.event_quantiles
    if not quantiles or current.event_max is None:
        return dataclasses.replace(base, status="skipped",
                             message=f"no event times: '{config.event_time}' has no numeric "
                                     "statistics in this partition")
    start, end, tz = _day_bounds(ds, settings.timezone)
    tolerance = settings.tolerance_seconds
    outside = share_below(quantiles, start - tolerance) + \
        (1.0 - share_below(quantiles, end + tolerance))
    span = f"events {_when(quantiles[0], tz)} to {_when(current.event_max, tz)}"
    if outside > settings.max_outside_share:
        return dataclasses.replace(
            base, status="fired", anomaly_type="STALE_PARTITION", observed=outside,
            threshold=settings.max_outside_share, short=f"Events not from {ds.isoformat()}",
            message=f"{outside:.0%} of events are outside {ds.isoformat()} (tolerance "
                    f"{settings.tolerance}; {span}): data of another day under this ds")
    gap_limit = settings.max_end_gap_seconds
    gap = end - current.event_max
    if gap_limit is not None and gap > gap_limit:
        return dataclasses.replace(
            base, status="fired", anomaly_type="PARTIAL_PARTITION", observed=gap / 3600,
            threshold=gap_limit / 3600, short="The day ends early",
            message=f"newest event {_when(current.event_max, tz)}, {gap / 3600:.1f} h before "
                    f"{ds.isoformat()} ends (limit {settings.max_end_gap}): a partial day")
    return dataclasses.replace(base, status="ok", message=span)


def evaluate(history: Sequence[HistoryPoint], current: PartitionMetrics, ds: dt.date,
             config: MonitorsConfig) -> tuple[MonitorResult, ...]:
    """Every monitor's result for the partition `ds`; `history` may hold any ds (later ones
    and re-runs are dropped here)."""
    earlier = _latest_per_ds(history, ds)
    results: list[MonitorResult | None] = []
    if config.volume.enabled:
        results.append(_judge_band(_Banded(VOLUME, DATASET, "rows", config.volume, " rows"),
                                   earlier, current, ds))
    results.append(_duplicate(earlier, current, ds, config))
    results.append(_freshness(current, ds, config))
    results.extend(_judge_band(spec, earlier, current, ds)
                   for spec in _column_specs(config, current))
    return tuple(r for r in results if r is not None)


def detail_of(result: MonitorResult) -> Detail | None:
    """Observed vs expected of a monitor that fired: the value against its band (or limit)."""
    observed = result.observed
    if result.band is not None and observed is not None:
        whole = result.feature == DATASET
        value = f"{fmt(observed)} rows" if whole else f"{result.metric} {fmt(observed)}"
        return Detail(observed=value,
                      expected=f"{band_text(result.band, whole=whole)} from {result.band.basis}")
    if result.anomaly_type == "STALE_PARTITION" and observed is not None:
        limit = f"at most {result.threshold:.0%}" if result.threshold is not None else "none"
        return Detail(observed=f"{observed:.0%} of events outside the ds",
                      expected=f"{limit} of events outside the ds")
    if result.anomaly_type == "PARTIAL_PARTITION" and observed is not None:
        limit = f"at most {result.threshold:.1f} h" if result.threshold is not None else ""
        return Detail(observed=f"newest event {observed:.1f} h before the ds ends",
                      expected=f"{limit} before the ds ends".strip())
    if result.anomaly_type == "DUPLICATE_PARTITION":
        return Detail(observed=result.short.lower().replace("same data as", "the same statistics as"),
                      expected="statistics that differ from every earlier partition")
    return None


def to_findings(results: Sequence[MonitorResult], policy: SeverityConfig,
                waivers: Sequence[Waiver] = (), as_of: dt.date | None = None
                ) -> tuple[Finding, ...]:
    """Findings of the monitors that fired, with the job's severity rules (default error) and
    waivers, as for any other finding."""
    findings = [Finding(feature=r.feature, anomaly_type=r.anomaly_type or "",
                        severity=severity_for(policy, r.feature, r.anomaly_type or ""),
                        short_description=r.short, description=r.message,
                        value=r.observed, threshold=r.threshold, detail=detail_of(r))
                for r in results if r.fired]
    if waivers and as_of is not None:
        return apply_waivers(findings, waivers, as_of)
    return tuple(findings)


def flagged(results: Sequence[MonitorResult]) -> frozenset[str]:
    """Keys of the monitors that fired: that day is left out of those monitors' bands."""
    return frozenset(r.key for r in results if r.fired)
