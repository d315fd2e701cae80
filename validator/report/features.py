"""Feature comparisons for the report: this run's feature summaries (stats/view.py, the same
summaries `dqv show` prints) next to the baseline run's, what changed notably, and which
features are the partition column, IDs or timestamps (never highlighted for moving). Pure."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Sequence

from validator.core.timestamps import looks_like_timestamp
from validator.stats.view import TOP_VALUES, Bucket, DatasetSummary, FeatureSummary, summarize

__all__ = ["TOP_VALUES", "Bucket", "DatasetSummary", "FeatureSummary", "summarize"]

# A change is highlighted when it is large enough to be worth a look. These are review hints,
# not verdicts: the verdict comes from the schema and the job's severity policy. The rules are
# described in docs/report.md ("What is highlighted").
MISSING_CHANGE = 0.05  # absolute change of the missing ratio
MEAN_SHIFT_SE = 4.0  # the mean moved by more than this many standard errors of the difference
MEAN_SHIFT_RELATIVE = 0.10  # ... and by more than this share of |baseline mean| (or its std dev)
RANGE_MARGIN = 0.2  # a new min/max beyond the baseline range by this share of that range
UNIQUE_CHANGE = 0.2  # relative change of the unique count
ID_UNIQUE_SHARE = 0.9  # distinct values / values present at or above this: ID-like
ID_NAME_UNIQUE_SHARE = 0.5  # the same for features named like IDs
ID_MIN_PRESENT = 20  # fewer values than this say nothing about uniqueness
ID_NAMES = ("_id", "id", "_key", "uuid")
KINDS = ("partition", "id", "timestamp")


def id_like(summary: FeatureSummary) -> bool:
    """ID-like: a string feature with at least 90% distinct values (50% when named like an ID:
    `id`, `*_id`, `*Id`, `*_key`, `*uuid`), or an INT feature named like an ID (TFDV counts no
    distinct values for numbers)."""
    name = summary.name.lower()
    named = name.endswith(ID_NAMES)
    if summary.type == "INT":
        return named
    if summary.unique is None or not summary.present or summary.present < ID_MIN_PRESENT:
        return False
    share = summary.unique / summary.present
    return share >= ID_UNIQUE_SHARE or (named and share >= ID_NAME_UNIQUE_SHARE)


def feature_kind(name: str, summary: FeatureSummary | None, partition_columns: Collection[str],
                 time_columns: Collection[str] = ()) -> str:
    """"partition" (the column that selects the ds), "timestamp" (core/timestamps.py, or the
    job's event_time), "id" (see `id_like`), or ""."""
    if name in partition_columns:
        return "partition"
    if summary is None:
        return ""
    if summary.numeric and (name in time_columns or looks_like_timestamp(name, summary.minimum)):
        return "timestamp"
    return "id" if id_like(summary) else ""


@dataclasses.dataclass(frozen=True)
class FeatureComparison:
    """One feature of this run next to the same feature of the baseline run."""

    name: str
    current: FeatureSummary | None  # None: the feature is absent from this run
    baseline: FeatureSummary | None  # None: no baseline, or the feature is new
    changes: frozenset[str]  # which cells changed notably: type, missing, range, mean, unique, presence
    kind: str = ""  # partition, id, timestamp or "" (feature_kind)


def compare(current: DatasetSummary, baseline: DatasetSummary | None,
            partition_columns: Collection[str] = (), time_columns: Collection[str] = ()
            ) -> list[FeatureComparison]:
    names = list(current.features)
    if baseline is not None:
        names += [n for n in baseline.features if n not in current.features]
    out = []
    for name in names:
        now = current.features.get(name)
        before = baseline.features.get(name) if baseline else None
        kind = feature_kind(name, now or before, partition_columns, time_columns)
        changes = _changes(now, before, baseline is not None)
        out.append(FeatureComparison(name, now, before, _relevant(changes, kind), kind))
    return out


def _relevant(changes: frozenset[str], kind: str) -> frozenset[str]:
    """The partition column changes every day by construction; IDs and timestamps move with
    every new partition: only a changed type or presence is worth a look for them (and for the
    timestamp, its missing ratio)."""
    if kind == "partition":
        return frozenset()
    if kind == "id":
        return changes & {"type", "presence"}
    if kind == "timestamp":
        return changes & {"type", "presence", "missing"}
    return changes


def mean_shift_significant(now: FeatureSummary, before: FeatureSummary) -> bool:
    """The mean moved by more than MEAN_SHIFT_SE standard errors of the difference of two means
    (sqrt(s1^2/n1 + s0^2/n0)) and by more than MEAN_SHIFT_RELATIVE of the baseline's |mean|
    (of its std dev when the mean is 0): significant and large enough to matter."""
    if now.mean is None or before.mean is None:
        return False
    shift = abs(now.mean - before.mean)
    n1, n0 = max(now.present or 0, 1), max(before.present or 0, 1)
    se = math.sqrt((now.std_dev or 0.0) ** 2 / n1 + (before.std_dev or 0.0) ** 2 / n0)
    scale = abs(before.mean) or (before.std_dev or 0.0)
    significant = shift > MEAN_SHIFT_SE * se if se > 0 else shift > 0
    return significant and (shift > MEAN_SHIFT_RELATIVE * scale if scale > 0 else shift > 0)


def _range_changes(now: FeatureSummary, before: FeatureSummary) -> set[str]:
    """A new extreme counts when it lies beyond the baseline's range by more than RANGE_MARGIN
    of that range: a maximum a little higher than yesterday's is not news."""
    if None in (now.minimum, now.maximum, before.minimum, before.maximum):
        return set()
    assert now.minimum is not None and now.maximum is not None
    assert before.minimum is not None and before.maximum is not None
    span = before.maximum - before.minimum
    margin = RANGE_MARGIN * span if span > 0 else RANGE_MARGIN * max(abs(before.maximum), 1.0)
    out = set()
    if now.minimum < before.minimum - margin:
        out.add("min")
    if now.maximum > before.maximum + margin:
        out.add("max")
    return out


def _changes(now: FeatureSummary | None, before: FeatureSummary | None,
             has_baseline: bool) -> frozenset[str]:
    if not has_baseline:
        return frozenset()
    if now is None or before is None:
        return frozenset({"presence"})
    changed = _range_changes(now, before)
    if now.type != before.type:
        changed.add("type")
    if now.missing is not None and before.missing is not None and \
            abs(now.missing - before.missing) > MISSING_CHANGE:
        changed.add("missing")
    if mean_shift_significant(now, before):
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
