"""Feature comparisons for the report: this run's feature summaries (stats/view.py, the same
summaries `dqv show` prints) next to the baseline run's, and what changed notably. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from validator.stats.view import TOP_VALUES, Bucket, DatasetSummary, FeatureSummary, summarize

__all__ = ["TOP_VALUES", "Bucket", "DatasetSummary", "FeatureSummary", "summarize"]

# A change is highlighted when it is large enough to be worth a look. These are review hints,
# not verdicts: the verdict comes from the schema and the job's severity policy.
MISSING_CHANGE = 0.05  # absolute change of the missing ratio
MEAN_SHIFT_STDS = 0.5  # mean moved by more than this many baseline standard deviations
UNIQUE_CHANGE = 0.2  # relative change of the unique count

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
