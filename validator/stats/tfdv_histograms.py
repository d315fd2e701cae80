"""TFDV's histogram arithmetic, TensorFlow-free: quantile boundaries -> the three histograms.

Owns: turning (quantile boundaries, cumulative counts) into TFDV's QUANTILES histogram, its
STANDARD (equal-width) histogram and the median, exactly as TFDV 1.16 does it, so the fast
engine's histograms are built by the same rules as the reference engine's.

Ported from tensorflow_data_validation/utils/quantiles_util.py (TFDV 1.16.1, Apache License
2.0, Copyright 2018 Google LLC). Importing TFDV itself would import TensorFlow (~2.5 s), which
the fast path must not pay; the logic is small and stable, so it is copied, not imported.
`tests/component/engines/test_fast_core_agreement.py` compares the results with TFDV's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from tensorflow_metadata.proto.v0 import statistics_pb2

Floats = NDArray[np.float64]

# TFDV builds the equal-width histogram from 100 x (number of quantile buckets) quantiles.
QUANTILES_FACTOR = 100


def find_median(quantiles: Floats) -> float:
    """The middle boundary (mean of the two middle ones for an even count), as TFDV."""
    size = len(quantiles)
    middle = size // 2
    if size % 2 == 0:
        return float((quantiles[middle - 1] + quantiles[middle]) / 2.0)
    return float(quantiles[middle])


def _bin_weights(boundaries: Floats, cumulative: Floats) -> tuple[Floats, Floats, Floats]:
    """Bucket bounds and weights; weight of duplicated buckets spread evenly (TFDV's rule)."""
    cumulative = cumulative.astype(np.float64)
    low, high = boundaries[:-1], boundaries[1:]
    counts = np.diff(cumulative)
    i = 0
    while i < low.size:
        j = i + 1
        while j < low.size and high[i] == high[j]:
            j += 1
        if j > i + 1:
            counts[i:j] = counts[i:j].sum() / (j - i)
        i = j
    # The count at the minimum goes to the first bucket(s) equal to the first one.
    i = 0
    while i < low.size and low[0] == low[i] and high[0] == high[i]:
        i += 1
    if i > 0:
        counts[0:i] += cumulative[0] / i
    return low, high, counts


def rebin(quantiles: Floats, cumulative: Floats, factor: int) -> tuple[Floats, Floats]:
    """Every factor-th boundary (the first kept): fewer, wider quantile buckets."""
    return (np.concatenate([[quantiles[0]], quantiles[factor::factor]]),
            np.concatenate([[cumulative[0]], cumulative[factor::factor]]))


def quantiles_histogram(quantiles: Floats, cumulative: Floats) -> statistics_pb2.Histogram:
    result = statistics_pb2.Histogram(type=statistics_pb2.Histogram.QUANTILES)
    low, high, counts = _bin_weights(quantiles, cumulative)
    for lo, hi, count in zip(low, high, counts, strict=True):
        result.buckets.add(low_value=lo, high_value=hi, sample_count=count)
    return result


def _strip_infinities(quantiles: Floats, cumulative: Floats, finite_max: float,
                      num_pos_inf: float) -> tuple[Floats, Floats, float]:
    neg_index = int(np.searchsorted(quantiles, float("-inf"), side="right"))
    num_neg_inf = 0.0
    if neg_index:
        num_neg_inf = float(cumulative[neg_index - 1])
        cumulative = cumulative[neg_index:] - num_neg_inf
        quantiles = quantiles[neg_index:]
    if num_pos_inf:
        pos_index = int(np.searchsorted(quantiles, float("inf"), side="left"))
        finite_count = cumulative[-1] - num_pos_inf
        quantiles = np.concatenate([quantiles[:pos_index], [finite_max]])
        cumulative = np.concatenate([cumulative[:pos_index], [finite_count]])
    return quantiles, cumulative, num_neg_inf


def _overlap(low_value: float, high_value: float, low: float, high: float,
             first: bool) -> tuple[float, bool, bool]:
    """(fraction of the bucket inside [low, high], bucket before it, bucket after it)."""
    if high_value == low_value == low:
        return (1.0, False, False) if first else (0.0, True, False)
    if high_value < low:
        return 0.0, True, False
    if low_value > high:
        return 0.0, False, True
    if low <= low_value and high >= high_value:
        return 1.0, False, False
    if low <= low_value:
        return (high - low_value) / (high_value - low_value), False, False
    if high >= high_value:
        return (high_value - low) / (high_value - low_value), False, False
    return (high - low) / (high_value - low_value), False, False


def equal_width_histogram(quantiles: Floats, cumulative: Floats, finite_min: float,
                          finite_max: float, num_buckets: int,
                          num_pos_inf: float) -> statistics_pb2.Histogram:
    """TFDV's STANDARD histogram: equal-width buckets filled by linear interpolation of the
    quantile buckets; infinities as their own point buckets."""
    result = statistics_pb2.Histogram(type=statistics_pb2.Histogram.STANDARD)
    if not np.isfinite(finite_min) and not np.isfinite(finite_max):
        result.buckets.add(low_value=finite_min, high_value=finite_max,
                           sample_count=cumulative[-1])
        return result
    quantiles, cumulative, num_neg_inf = _strip_infinities(quantiles, cumulative, finite_max,
                                                           num_pos_inf)
    low, high, counts = _bin_weights(quantiles, cumulative)
    if finite_min == finite_max:
        edges = np.array([finite_min, finite_max])
    else:
        edges = np.linspace(finite_min, finite_max, num_buckets + 1)
        if not np.isfinite(edges).all():
            return result  # overflow: TFDV returns an empty histogram too
    if num_neg_inf:
        result.buckets.add(low_value=float("-inf"), high_value=float("-inf"),
                           sample_count=num_neg_inf)
    start = 0
    for i in range(edges.size - 1):
        lo, hi = float(edges[i]), float(edges[i + 1])
        total = 0.0
        for current in range(start, low.size):
            share, before, after = _overlap(float(low[current]), float(high[current]), lo, hi,
                                            i == 0)
            if after:
                break
            if before:
                start = current
            total += share * float(counts[current])
        result.buckets.add(low_value=lo, high_value=hi, sample_count=total)
    if num_pos_inf:
        result.buckets.add(low_value=float("inf"), high_value=float("inf"),
                           sample_count=num_pos_inf)
    return result
