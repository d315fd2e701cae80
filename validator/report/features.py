"""Feature summaries for the report, read from TFDV statistics protos. Pure: no I/O.

A summary keeps only what the report shows (type, missing ratio, min/mean/max or top values,
unique count, a coarse distribution), so a report stays small however big the statistics are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from tensorflow_metadata.proto.v0 import statistics_pb2

TOP_VALUES = 10  # categories kept per feature: enough to see a mix change, small enough for 2 MB
# A change is highlighted when it is large enough to be worth a look. These are review hints,
# not verdicts: the verdict comes from the schema and the job's severity policy.
MISSING_CHANGE = 0.05  # absolute change of the missing ratio
MEAN_SHIFT_STDS = 0.5  # mean moved by more than this many baseline standard deviations
UNIQUE_CHANGE = 0.2  # relative change of the unique count

_FSS = statistics_pb2.FeatureNameStatistics
_TYPE_NAMES = {_FSS.INT: "INT", _FSS.FLOAT: "FLOAT", _FSS.STRING: "STRING", _FSS.BYTES: "BYTES",
               _FSS.STRUCT: "STRUCT"}


@dataclasses.dataclass(frozen=True)
class Bucket:
    low: float
    high: float
    count: float


@dataclasses.dataclass(frozen=True)
class FeatureSummary:
    name: str
    type: str
    missing: float | None  # ratio of examples without a value, 0..1
    minimum: float | None = None
    mean: float | None = None
    maximum: float | None = None
    std_dev: float | None = None
    unique: int | None = None
    top_values: tuple[tuple[str, float], ...] = ()  # (value, share of non-missing)
    histogram: tuple[Bucket, ...] = ()  # equal-width buckets, counts

    @property
    def numeric(self) -> bool:
        return self.type in ("INT", "FLOAT")


@dataclasses.dataclass(frozen=True)
class DatasetSummary:
    num_examples: int
    features: dict[str, FeatureSummary]

    @property
    def missing_ratio(self) -> float | None:
        """Mean missing ratio over the features: one number to trend per job."""
        ratios = [f.missing for f in self.features.values() if f.missing is not None]
        return sum(ratios) / len(ratios) if ratios else None


def _name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) if feature.path.step else feature.name


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarize_feature(feature: statistics_pb2.FeatureNameStatistics,
                      num_examples: int) -> FeatureSummary:
    kind = feature.WhichOneof("stats")
    name, type_name = _name(feature), _TYPE_NAMES.get(feature.type, "UNKNOWN")
    if kind == "num_stats":
        num = feature.num_stats
        standard = [h for h in num.histograms
                    if h.type == statistics_pb2.Histogram.STANDARD]
        buckets = tuple(Bucket(b.low_value, b.high_value, b.sample_count)
                        for b in (standard[0].buckets if standard else ())
                        if math.isfinite(b.low_value) and math.isfinite(b.high_value))
        return FeatureSummary(name, type_name, _missing(num.common_stats, num_examples),
                              minimum=_finite(num.min), mean=_finite(num.mean),
                              maximum=_finite(num.max), std_dev=_finite(num.std_dev),
                              histogram=buckets)
    if kind == "string_stats":
        text = feature.string_stats
        present = max(text.common_stats.num_non_missing, 1)
        top = tuple((v.value, v.frequency / present) for v in text.top_values[:TOP_VALUES])
        return FeatureSummary(name, type_name, _missing(text.common_stats, num_examples),
                              unique=int(text.unique), top_values=top)
    common = getattr(feature, kind).common_stats if kind in ("bytes_stats", "struct_stats") else None
    return FeatureSummary(name, type_name, _missing(common, num_examples) if common else None)


def _missing(common: statistics_pb2.CommonStatistics, num_examples: int) -> float | None:
    if num_examples <= 0:
        return None
    return min(1.0, max(0.0, (num_examples - common.num_non_missing) / num_examples))


def summarize(stats: statistics_pb2.DatasetFeatureStatisticsList) -> DatasetSummary:
    if not stats.datasets:
        return DatasetSummary(0, {})
    dataset = stats.datasets[0]
    num = int(dataset.num_examples)
    features = {}
    for feature in dataset.features:
        summary = summarize_feature(feature, num)
        features[summary.name] = summary
    return DatasetSummary(num, features)


@dataclasses.dataclass(frozen=True)
class FeatureComparison:
    """One feature of this run next to the same feature of the baseline run."""

    name: str
    current: FeatureSummary | None  # None: the feature is absent from this run
    baseline: FeatureSummary | None  # None: no baseline, or the feature is new
    changes: frozenset[str]  # which cells changed notably: type, missing, range, mean, unique, presence


def compare(current: DatasetSummary, baseline: DatasetSummary | None) -> list[FeatureComparison]:
    names = list(current.features)
    if baseline is not None:
        names += [n for n in baseline.features if n not in current.features]
    out = []
    for name in names:
        now = current.features.get(name)
        before = baseline.features.get(name) if baseline else None
        out.append(FeatureComparison(name, now, before, _changes(now, before, baseline is not None)))
    return out


def _changes(now: FeatureSummary | None, before: FeatureSummary | None,
             has_baseline: bool) -> frozenset[str]:
    if not has_baseline:
        return frozenset()
    if now is None or before is None:
        return frozenset({"presence"})
    changed = set()
    if now.type != before.type:
        changed.add("type")
    if now.missing is not None and before.missing is not None and \
            abs(now.missing - before.missing) > MISSING_CHANGE:
        changed.add("missing")
    if now.minimum is not None and before.minimum is not None and now.minimum < before.minimum:
        changed.add("min")
    if now.maximum is not None and before.maximum is not None and now.maximum > before.maximum:
        changed.add("max")
    if now.mean is not None and before.mean is not None:
        spread = before.std_dev or 0.0
        shift = abs(now.mean - before.mean)
        if (spread > 0 and shift > MEAN_SHIFT_STDS * spread) or (spread == 0 and shift > 0):
            changed.add("mean")
    if now.unique is not None and before.unique:
        if abs(now.unique - before.unique) / before.unique > UNIQUE_CHANGE:
            changed.add("unique")
    return frozenset(changed)


def rebin(buckets: Sequence[Bucket], edges: Sequence[float]) -> list[float]:
    """Counts of equal-width `buckets` spread over new bucket `edges`, assuming values are
    uniform within a bucket, so two runs with different ranges can be drawn on one axis."""
    out = [0.0] * (len(edges) - 1)
    for bucket in buckets:
        width = bucket.high - bucket.low
        for i in range(len(out)):
            lo, hi = edges[i], edges[i + 1]
            if width <= 0:
                inside = lo <= bucket.low < hi or (i == len(out) - 1 and bucket.low == hi)
                out[i] += bucket.count if inside else 0.0
                continue
            overlap = min(hi, bucket.high) - max(lo, bucket.low)
            if overlap > 0:
                out[i] += bucket.count * overlap / width
    return out


def common_edges(summaries: Sequence[FeatureSummary], bins: int = 12) -> list[float]:
    lows = [b.low for s in summaries for b in s.histogram]
    highs = [b.high for s in summaries for b in s.histogram]
    if not lows:
        return []
    lo, hi = min(lows), max(highs)
    if hi <= lo:
        return [lo, lo + 1.0]
    step = (hi - lo) / bins
    return [lo + step * i for i in range(bins)] + [hi]


def top_value_union(current: FeatureSummary | None, baseline: FeatureSummary | None,
                    limit: int = TOP_VALUES) -> list[tuple[str, float | None, float | None]]:
    """(value, share now, share in the baseline) for the most frequent values of either run."""
    now = dict(current.top_values) if current else {}
    before = dict(baseline.top_values) if baseline else {}
    ranked = sorted(set(now) | set(before), key=lambda v: (-max(now.get(v, 0.0), before.get(v, 0.0)), v))
    return [(v, now.get(v), before.get(v)) for v in ranked[:limit]]
