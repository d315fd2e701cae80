"""The fast engine's accumulators -> TFDV's FeatureNameStatistics, field for field.

Owns: the output format. Mirrors TFDV 1.16's basic_stats_generator (_make_common_stats_proto,
_make_numeric_stats_proto, _make_string_stats_proto, _make_feature_stats_proto) and
top_k_uniques_stats_util (_make_feature_stats_proto_topk): 10 value-count quantile buckets,
1000 quantiles for the 10 equal-width buckets, the same 1000 rebinned to 10 quantile buckets,
top 20 values and a 1000-bucket rank histogram ordered by (count, value) descending, the
UTF-8 and 1024-byte placeholders. So validation cannot tell which engine ran.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.stats import tfdv_histograms as hist
from validator.stats.fast_features import Feature, Numeric, Presence, Stats
from validator.stats.fast_sample import quantiles, sample_quantiles

NUM_VALUES_BUCKETS = 10
HISTOGRAM_BUCKETS = 10
QUANTILE_BUCKETS = 10
TOP_VALUES = 20
RANK_BUCKETS = 1000
LARGE_STRING = 1024
NON_UTF8_PLACEHOLDER = "__BYTES_VALUE__"
LARGE_BYTES_PLACEHOLDER = "__LARGE_BYTES__"


def _common(presence: Presence, num_examples: int) -> statistics_pb2.CommonStatistics:
    result = statistics_pb2.CommonStatistics(num_non_missing=presence.non_missing,
                                             num_missing=num_examples - presence.non_missing)
    if not presence.non_missing:
        return result
    result.tot_num_values = presence.total_values
    result.min_num_values = presence.min_values
    result.max_num_values = presence.max_values
    result.avg_num_values = presence.total_values / presence.non_missing
    lengths = np.nonzero(presence.by_length)[0]
    bounds, cumulative = quantiles(lengths.astype(np.float64),
                                   presence.by_length[lengths].astype(np.float64),
                                   float(presence.non_missing), NUM_VALUES_BUCKETS)
    result.num_values_histogram.CopyFrom(hist.quantiles_histogram(bounds, cumulative))
    return result


def _numeric(numeric: Numeric, total_values: int) -> statistics_pb2.NumericStatistics:
    result = statistics_pb2.NumericStatistics()
    if total_values - numeric.num_nan == 0 or numeric.count == 0:
        if numeric.num_nan:
            result.histograms.add(type=statistics_pb2.Histogram.STANDARD).num_nan = numeric.num_nan
            result.histograms.add(type=statistics_pb2.Histogram.QUANTILES).num_nan = \
                numeric.num_nan
        return result
    result.mean = float(numeric.mean)
    result.std_dev = math.sqrt(max(0.0, numeric.variance))
    result.num_zeros = numeric.num_zeros
    result.min, result.max = float(numeric.min), float(numeric.max)
    bounds, cumulative = sample_quantiles(numeric.sample,
                                          hist.QUANTILES_FACTOR * QUANTILE_BUCKETS)
    result.median = hist.find_median(bounds)
    standard = hist.equal_width_histogram(bounds, cumulative, numeric.finite_min,
                                          numeric.finite_max, HISTOGRAM_BUCKETS,
                                          float(numeric.pos_inf))
    standard.num_nan = numeric.num_nan
    result.histograms.add().CopyFrom(standard)
    by_quantile = hist.quantiles_histogram(*hist.rebin(bounds, cumulative,
                                                       hist.QUANTILES_FACTOR))
    by_quantile.num_nan = numeric.num_nan
    result.histograms.add().CopyFrom(by_quantile)
    return result


def _label(value: object) -> str:
    if isinstance(value, bytes):
        if len(value) > LARGE_STRING:
            return LARGE_BYTES_PLACEHOLDER
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return NON_UTF8_PLACEHOLDER
    return str(value)


def _ranked(values: pa.Array, counts: np.ndarray) -> list[tuple[str, int]]:
    """(label, count) by count then value, both descending (TFDV's order), placeholders
    counted as one value each. Only the top RANK_BUCKETS + placeholders are turned into
    Python objects."""
    if len(values) > 4 * RANK_BUCKETS:
        keep = np.argpartition(-counts, 4 * RANK_BUCKETS)[:4 * RANK_BUCKETS]
        floor = counts[keep].min()
        # every value tied with the lowest kept count stays, so the tie order is TFDV's
        keep = np.nonzero(counts >= floor)[0]
        if isinstance(values, (pa.BinaryArray, pa.LargeBinaryArray, pa.StringArray,
                               pa.LargeStringArray)):
            lengths = np.asarray(pc.binary_length(values).to_numpy(), np.int64)
            keep = np.union1d(keep, np.nonzero(lengths > LARGE_STRING)[0])
        values, counts = values.take(pa.array(keep)), counts[keep]
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = values.cast(pa.large_binary())  # TFDV's sketch sees (and sorts) bytes
    raw = values.to_pylist()
    merged: dict[object, int] = {}
    for value, count in zip(raw, counts.tolist(), strict=True):
        key: object = value
        if isinstance(value, bytes):
            label = _label(value)
            key = label if label in (LARGE_BYTES_PLACEHOLDER, NON_UTF8_PLACEHOLDER) else value
        merged[key] = merged.get(key, 0) + count
    # TFDV sorts the sketch's (value, count) pairs; a placeholder (str) sorts apart from
    # the values (bytes), which Python cannot compare with each other.
    order = sorted(merged.items(), key=lambda kv: (kv[1], isinstance(kv[0], str), kv[0]),
                   reverse=True)
    return [(_label(k) if not isinstance(k, str) else k, c) for k, c in order]


def _top(feature: Feature, result: statistics_pb2.StringStatistics) -> None:
    if feature.counter is None:
        return
    values, counts = feature.counter.items()
    if values is None or not len(values):
        return
    result.unique = feature.counter.unique()
    for rank, (label, count) in enumerate(_ranked(values, counts)[:RANK_BUCKETS]):
        if count < 1:
            break
        if rank < TOP_VALUES:
            result.top_values.add(value=label, frequency=count)
        result.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=label,
                                          sample_count=count)


def feature_statistics(feature: Feature, num_examples: int) -> Stats:
    result = Stats()
    result.path.step.extend(feature.path.split("."))
    result.type = feature.kind if feature.kind is not None else Stats.STRING
    common = _common(feature.presence, num_examples)
    if result.type == Stats.STRING or feature.categorical:
        strings = result.string_stats
        strings.common_stats.CopyFrom(common)
        if feature.presence.total_values:
            strings.avg_length = feature.text_bytes / feature.presence.total_values
        strings.invalid_utf8_count = feature.invalid_utf8
        _top(feature, strings)
    else:
        numbers = _numeric(feature.numeric or Numeric(), feature.presence.total_values)
        numbers.common_stats.CopyFrom(common)
        result.num_stats.CopyFrom(numbers)
    return result
