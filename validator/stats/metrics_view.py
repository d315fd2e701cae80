"""The metrics the monitors learn from, read off a run's statistics proto. Pure (no TensorFlow:
tensorflow_metadata's protos only).

Per feature: missing ratio, mean, std, min, max (numbers), distinct count, share of the top
value, average length (strings), average number of values (every feature). Per partition:
rows, bytes read, a content fingerprint (a hash of the statistics that identical data always
gives, rounded so that float summation order does not matter), and the event-time deciles
of the `event_time` feature from its quantiles histogram.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.core.run_metrics import FeatureMetrics, PartitionMetrics

_QUANTILES = statistics_pb2.Histogram.QUANTILES
_TOP_VALUES_IN_FINGERPRINT = 20


def _name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) or feature.name


def _common(feature: statistics_pb2.FeatureNameStatistics) -> Any:
    kind = feature.WhichOneof("stats")
    if kind is None:
        return None
    stats = getattr(feature, kind)
    return stats.common_stats if hasattr(stats, "common_stats") else None


def feature_metrics(feature: statistics_pb2.FeatureNameStatistics, rows: int) -> FeatureMetrics:
    common = _common(feature)
    present = float(common.num_non_missing) if common is not None else 0.0
    values: dict[str, float | None] = {
        "missing_ratio": (rows - present) / rows if rows and common is not None else None,
        "avg_values": float(common.avg_num_values) if common is not None and present else None,
    }
    kind = feature.WhichOneof("stats")
    if kind == "num_stats" and present:
        num = feature.num_stats
        values.update(mean=num.mean, std=num.std_dev, min=num.min, max=num.max)
    elif kind == "string_stats" and present:
        text = feature.string_stats
        values.update(distinct=float(text.unique), avg_length=float(text.avg_length))
        if text.top_values:
            values["top_share"] = text.top_values[0].frequency / present
    return FeatureMetrics(**{k: (float(v) if v is not None else None) for k, v in values.items()})


def _r(value: float) -> str:
    return f"{value:.12g}"


def fingerprint(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> str | None:
    """Equal for identical data (the same file under another ds); None without rows."""
    if not statistics.datasets or statistics.datasets[0].num_examples == 0:
        return None
    dataset = statistics.datasets[0]
    parts: list[Any] = [int(dataset.num_examples)]
    for feature in sorted(dataset.features, key=_name):
        common = _common(feature)
        item: list[Any] = [_name(feature), int(feature.type)]
        if common is not None:
            item += [int(common.num_non_missing), int(common.num_missing),
                     int(common.tot_num_values), int(common.min_num_values),
                     int(common.max_num_values)]
        if feature.HasField("num_stats"):
            num = feature.num_stats
            item += [_r(num.mean), _r(num.std_dev), _r(num.min), _r(num.max), int(num.num_zeros)]
        if feature.HasField("string_stats"):
            text = feature.string_stats
            item += [int(text.unique), _r(text.avg_length),
                     [(v.value, _r(v.frequency))
                      for v in text.top_values[:_TOP_VALUES_IN_FINGERPRINT]]]
        parts.append(item)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def event_quantiles(statistics: statistics_pb2.DatasetFeatureStatisticsList,
                    feature_name: str | None) -> tuple[float, ...]:
    """Boundaries of the feature's quantiles histogram (min first, max last); () when the
    feature is absent, not numeric, or has no values."""
    if feature_name is None or not statistics.datasets:
        return ()
    for feature in statistics.datasets[0].features:
        if _name(feature) != feature_name or not feature.HasField("num_stats"):
            continue
        num = feature.num_stats
        histogram = next((h for h in num.histograms if h.type == _QUANTILES), None)
        if histogram is None or not histogram.buckets:
            return (float(num.min), float(num.max)) if num.max or num.min else ()
        bounds = [float(histogram.buckets[0].low_value)]
        bounds += [float(b.high_value) for b in histogram.buckets]
        bounds[0], bounds[-1] = float(num.min), float(num.max)
        return tuple(bounds)
    return ()


def non_numeric(statistics: statistics_pb2.DatasetFeatureStatisticsList, feature_name: str
                ) -> bool:
    """True when the partition has the feature with statistics that are not numeric (text)."""
    for feature in statistics.datasets[0].features if statistics.datasets else ():
        if _name(feature) == feature_name:
            return feature.WhichOneof("stats") not in (None, "num_stats")
    return False


def partition_metrics(statistics: statistics_pb2.DatasetFeatureStatisticsList, bytes_read: int,
                      event_time: str | None = None) -> PartitionMetrics:
    if not statistics.datasets:
        return PartitionMetrics(rows=0, bytes=bytes_read)
    dataset = statistics.datasets[0]
    rows = int(dataset.num_examples)
    return PartitionMetrics(
        rows=rows, bytes=bytes_read, fingerprint=fingerprint(statistics),
        event_quantiles=event_quantiles(statistics, event_time),
        features={_name(f): feature_metrics(f, rows) for f in dataset.features})
