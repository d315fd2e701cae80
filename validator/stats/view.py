"""A typed view over TFDV's statistics proto: feature names, missing ratios and per-feature
summaries, defined once for every reader (the report, `dqv show`, metrics, Slack). Pure and
light: protobuf only, no TensorFlow.

A summary keeps only what readers show (type, missing ratio, min/mean/max or top values,
unique count, a coarse distribution), so a report stays small however big the statistics are.
"""

from __future__ import annotations

import dataclasses
import math

from tensorflow_metadata.proto.v0 import statistics_pb2

TOP_VALUES = 10  # categories kept per feature: enough to see a mix change, small enough for 2 MB


def num_examples(stats: statistics_pb2.DatasetFeatureStatisticsList) -> int:
    return int(stats.datasets[0].num_examples) if stats.datasets else 0


def path_name(path: object) -> str:
    """A feature path as dqv names it everywhere: steps joined by dots (struct.child)."""
    return ".".join(getattr(path, "step", ()))


def feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return path_name(feature.path) if feature.path.step else feature.name


def common_stats(feature: statistics_pb2.FeatureNameStatistics
                 ) -> statistics_pb2.CommonStatistics | None:
    kind = feature.WhichOneof("stats")
    if kind is None or not hasattr(getattr(feature, kind), "common_stats"):
        return None
    common: statistics_pb2.CommonStatistics = getattr(feature, kind).common_stats
    return common


def missing_ratio(common: statistics_pb2.CommonStatistics | None, num_examples: int) -> float | None:
    """Examples without a value / examples (TFDV's num_missing), in [0, 1]; an absent feature is
    missing everywhere; None when there are no examples (a ratio of nothing is not 0)."""
    if num_examples <= 0:
        return None
    if common is None:
        return 1.0
    # TFDV records both counts (num_missing + num_non_missing = examples for top-level features);
    # statistics written by hand or by other tools often carry only one of them.
    missing = common.num_missing if common.num_missing or not common.num_non_missing \
        else num_examples - common.num_non_missing
    return min(1.0, max(0.0, missing / num_examples))


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
    present: int | None = None  # examples with a value
    zeros: int | None = None  # numeric features: values equal to 0
    # numeric features: the quantiles histogram's boundaries, min first and max last (TFDV's
    # default 10 buckets: p0, p10, ..., p100)
    quantiles: tuple[float, ...] = ()
    min_values: int | None = None  # the fewest / most values an example with the feature has
    max_values: int | None = None

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


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _value_counts(common: statistics_pb2.CommonStatistics) -> tuple[int | None, int | None]:
    if not common.num_non_missing:
        return None, None
    return int(common.min_num_values), int(common.max_num_values)


def _quantile_bounds(num: statistics_pb2.NumericStatistics) -> tuple[float, ...]:
    histogram = next((h for h in num.histograms
                      if h.type == statistics_pb2.Histogram.QUANTILES), None)
    if histogram is None or not histogram.buckets:
        return ()
    bounds = [histogram.buckets[0].low_value] + [b.high_value for b in histogram.buckets]
    return tuple(bounds) if all(math.isfinite(b) for b in bounds) else ()


def summarize_feature(feature: statistics_pb2.FeatureNameStatistics,
                      num_examples: int) -> FeatureSummary:
    kind = feature.WhichOneof("stats")
    name, type_name = feature_name(feature), _TYPE_NAMES.get(feature.type, "UNKNOWN")
    if kind == "num_stats":
        num = feature.num_stats
        standard = [h for h in num.histograms
                    if h.type == statistics_pb2.Histogram.STANDARD]
        buckets = tuple(Bucket(b.low_value, b.high_value, b.sample_count)
                        for b in (standard[0].buckets if standard else ())
                        if math.isfinite(b.low_value) and math.isfinite(b.high_value))
        quantiles = _quantile_bounds(num)
        fewest, most = _value_counts(num.common_stats)
        return FeatureSummary(name, type_name, missing_ratio(num.common_stats, num_examples),
                              minimum=_finite(num.min), mean=_finite(num.mean),
                              maximum=_finite(num.max), std_dev=_finite(num.std_dev),
                              histogram=buckets, present=int(num.common_stats.num_non_missing),
                              zeros=int(num.num_zeros), quantiles=quantiles,
                              min_values=fewest, max_values=most)
    if kind == "string_stats":
        text = feature.string_stats
        present = max(text.common_stats.num_non_missing, 1)
        top = tuple((v.value, v.frequency / present) for v in text.top_values[:TOP_VALUES])
        fewest, most = _value_counts(text.common_stats)
        return FeatureSummary(name, type_name, missing_ratio(text.common_stats, num_examples),
                              unique=int(text.unique), top_values=top,
                              present=int(text.common_stats.num_non_missing),
                              min_values=fewest, max_values=most)
    common = getattr(feature, kind).common_stats if kind in ("bytes_stats", "struct_stats") else None
    return FeatureSummary(name, type_name, missing_ratio(common, num_examples) if common else None)


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


