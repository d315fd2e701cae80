"""The fast core's count of a near-unique batch skips sorting the hashes seen once: its
Misra-Gries reduction must be exactly the one computed from every hash's count."""

from __future__ import annotations

import numpy as np
import pytest

from validator.stats.fast_counts import (
    HEAVY_COUNTERS,
    _batch_top,
    _sorted_counts,
    _top,
    indices_array,
)


def _reference(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, counts = _sorted_counts(hashes)
    top_hashes, top_counts, _ = _top(unique, counts, indices_array(np.arange(unique.size)))
    return top_hashes, top_counts


def _batch(rng: np.random.Generator, rows: int, distinct: int | None, heavy: int) -> np.ndarray:
    """`rows` hashes drawn from `distinct` values (None: any 64-bit value), plus `heavy` values
    repeated 3..40 times."""
    if distinct is None:
        hashes = [rng.integers(0, 2**64, rows, dtype=np.uint64)]
    else:
        pool = rng.integers(0, 2**64, distinct, dtype=np.uint64)
        hashes = [pool[rng.integers(0, distinct, rows)]]
    for value in rng.integers(0, 2**64, heavy, dtype=np.uint64):
        hashes.append(np.full(int(rng.integers(3, 40)), value, np.uint64))
    out = np.concatenate(hashes)
    rng.shuffle(out)
    return out


@pytest.mark.parametrize(("rows", "distinct", "heavy"), [
    (65_536, None, 0),              # near-unique ids: nothing survives
    (65_536, None, 30),             # ids with a few heavy hitters
    (174_762, None, 5_000),         # more repeated values than counters
    (50_000, 200_000, 0),            # many values seen twice or more
    (3_000, None, 10),              # fewer distinct values than counters: all kept
    (HEAVY_COUNTERS, None, 0),      # exactly as many distinct values as counters
    (HEAVY_COUNTERS + 1, None, 0),  # one more
    (20_000, 5_000, 0),              # few distinct values, each repeated
])
def test_batch_top_equals_the_reduction_of_every_count(rows: int, distinct: int | None,
                                                        heavy: int) -> None:
    rng = np.random.default_rng(rows + heavy)
    hashes = _batch(rng, rows, distinct, heavy)
    got_hashes, got_counts = _batch_top(hashes)
    want_hashes, want_counts = _reference(hashes)
    np.testing.assert_array_equal(got_hashes, want_hashes)
    np.testing.assert_array_equal(got_counts, want_counts)
