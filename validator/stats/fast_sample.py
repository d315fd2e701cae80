"""Quantiles for the fast engine: a mergeable uniform sample of one feature's values.

Owns: which values are kept for quantiles, how samples from different batches and processes
merge, and how quantile boundaries with cumulative counts (the input of TFDV's histograms)
are read off the sample.

Why a sample and not a sketch: TFDV's quantiles sketch costs ~70 ns per value; this costs
nothing per value while a partition has at most CAPACITY values per feature (all are kept, so
the quantiles are exact), and beyond that only the values drawn (about CAPACITY..2xCAPACITY
per feature in total). Every kept value stands for 2**level values. Each batch contributes in
proportion to its size (a stratified sample), which only lowers the error. With at least
CAPACITY = 2**17 values kept, the Dvoretzky-Kiefer-Wolfowitz bound gives a rank error above
0.01 (TFDV's default epsilon) with probability below 2*exp(-2 * 131072 * 0.01**2) ~ 1e-11.
The generator is seeded, so the same rows in the same shards give the same statistics.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

CAPACITY = 1 << 17


@dataclasses.dataclass
class ValueSample:
    """Kept values (each weighing 2**level) of one feature; `seen` counts all values."""

    seed: int = 0
    level: int = 0
    seen: int = 0
    parts: list[NDArray[np.float64]] = dataclasses.field(default_factory=list)
    kept: int = 0
    rng: np.random.Generator | None = None

    def _rng(self) -> np.random.Generator:
        # Seeded once (pickled with the sample): the same rows give the same statistics.
        if self.rng is None:
            self.rng = np.random.default_rng(self.seed)
        return self.rng

    def add(self, values: NDArray[np.floating[Any]] | NDArray[np.integer[Any]]) -> None:
        """Draw from one batch's values (any numeric dtype; the kept ones become float64)."""
        self.seen += values.size
        if self.level:
            rng = self._rng()
            # randomized rounding: small batches are not always dropped (or always kept)
            share = values.size / (1 << self.level)
            take = int(share) + int(rng.random() < share - int(share))
            values = values[rng.integers(0, values.size, take)]
        if values.size:
            self.parts.append(values.astype(np.float64))
            self.kept += values.size
        while self.kept > 2 * CAPACITY:
            self._halve()

    def _halve(self) -> None:
        values = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        # one random bit per value: a fair coin, without drawing a float per value
        bits = np.frombuffer(self._rng().bytes((values.size + 7) // 8), np.uint8)
        keep = np.unpackbits(bits, count=values.size).view(bool)
        self.parts = [values[keep]]
        self.kept = int(self.parts[0].size)
        self.level += 1

    def merge(self, other: ValueSample) -> None:
        """Fold another sample in; the one at the lower level is thinned to the higher."""
        other = dataclasses.replace(other, parts=list(other.parts), rng=None)
        while other.level < self.level and other.kept:
            other._halve()
        while self.level < other.level and self.kept:
            self._halve()
        self.level = max(self.level, other.level)
        self.parts.extend(other.parts)
        self.kept += other.kept
        self.seen += other.seen
        while self.kept > 2 * CAPACITY:
            self._halve()

    def sorted_values(self) -> NDArray[np.float64]:
        if not self.parts:
            return np.empty(0, np.float64)
        values = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        return np.sort(values)


def quantiles(sorted_values: NDArray[np.float64], weights: NDArray[np.float64], total: float,
              num_buckets: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """num_buckets + 1 boundaries and the count of values <= each, like tfx_bsl's
    QuantilesSketch.GetQuantilesAndCumulativeWeights on exact data: boundary i is the
    smallest value whose cumulative weight exceeds i * total / num_buckets (the last is the
    maximum). Weights are rescaled so that they sum to `total` (the exact count)."""
    cumulative = np.cumsum(weights, dtype=np.float64)
    cumulative *= total / cumulative[-1]
    targets = np.arange(num_buckets + 1, dtype=np.float64) * (total / num_buckets)
    index = np.minimum(np.searchsorted(cumulative, targets, side="right"), len(cumulative) - 1)
    boundaries = sorted_values[index]
    last = np.searchsorted(sorted_values, boundaries, side="right") - 1
    return boundaries, cumulative[last]


def sample_quantiles(sample: ValueSample, num_buckets: int
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    values = sample.sorted_values()
    return quantiles(values, np.ones(values.size), float(sample.seen), num_buckets)
