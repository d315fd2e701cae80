"""Value counts for the fast engine: top values, rank histogram and number of uniques.

Owns: counting the values of one categorical feature (strings, categorical ints/floats)
across batches and processes, and what is exact and what is an estimate.

- Up to EXACT_DISTINCT distinct values (every categorical column in practice): exact. Each
  batch is counted by hashing (pyarrow's value_counts); batch counts are buffered and summed
  by a group-by, so top values, rank histogram and uniques are exact. TFDV's own sketches
  (Misra-Gries with 1024 counters, KMV with 16384) are estimates already past 1024 values.
- Beyond that (near-unique ids): the counter becomes a mergeable Misra-Gries summary with
  HEAVY_COUNTERS counters keyed by a 64-bit hash of the value (every value more frequent than
  n / HEAVY_COUNTERS is kept; counts are lower bounds, off by at most n / HEAVY_COUNTERS;
  TFDV's sketch with 1024 counters can overstate them) and a K-minimum-values sketch of the
  hashes for the number of uniques (relative error about 1/sqrt(KMV_K) = 0.8%, TFDV's KMV
  size). Batches are then counted with numpy on their hashes, not by a hash table of
  strings: the hashes alone in their bucket of the top bits are seen once (and cannot survive
  the reduction), only the others are sorted (_batch_top).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

EXACT_DISTINCT = 1 << 16
HEAVY_COUNTERS = 4096
KMV_K = 16384
_BUFFERED = EXACT_DISTINCT

_U64 = NDArray[np.uint64]
_POSITION_KEYS: _U64 = np.empty(0, np.uint64)


def _mix(h: _U64) -> _U64:
    """splitmix64's finalizer: spreads every input bit over the whole word."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _keys(size: int) -> _U64:
    """Fixed random odd multipliers per byte position (the same in every process)."""
    global _POSITION_KEYS
    if _POSITION_KEYS.size < size:
        grown = max(size, 2 * _POSITION_KEYS.size, 64)
        keys = np.random.default_rng(0x5EED).integers(0, 2**63, grown, dtype=np.uint64)
        _POSITION_KEYS = keys * np.uint64(2) + np.uint64(1)
    return _POSITION_KEYS[:size]


def hash_values(values: pa.Array) -> _U64:
    """64-bit hashes of every slot (a null slot hashes like an empty value: callers drop it).

    Binary: the value read as little-endian 8-byte words (zero-padded), each word times a
    fixed random odd key of its position, summed, plus the length times a constant, then
    mixed. Two ways to the same number: padding every value to one width with NUL and
    reading whole words (ids, codes: ~20 ns per value), or byte by byte (any value)."""
    with np.errstate(over="ignore"):
        kind = values.type
        if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
                or pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            bits = np.asarray(values.fill_null(0).to_numpy(zero_copy_only=False))
            return _mix(bits.astype(np.float64 if bits.dtype.kind == "f" else np.int64)
                        .view(np.uint64) + np.uint64(1))
        if values.null_count:
            values = values.fill_null(b"" if pa.types.is_binary(kind)
                                      or pa.types.is_large_binary(kind) else "")
        lengths = np.asarray(pc.binary_length(values).to_numpy(), np.int64)
        hashes = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        longest = int(lengths.max()) if lengths.size else 0
        if longest:
            words = -(-longest // 8)
            sums = _word_sums(values, words) if longest <= 64 else None
            hashes += sums if sums is not None else _byte_sums(values, lengths, words)
        return _mix(hashes)


def _word_sums(values: pa.Array, words: int) -> _U64 | None:
    """Σ word_w * key_w with every value NUL-padded to `words` words; None when the values
    are not ASCII (padding counts characters, so the widths would differ)."""
    text = values.view(pa.large_string()) if pa.types.is_large_binary(values.type) else \
        values.view(pa.string()) if pa.types.is_binary(values.type) else values
    try:
        padded = pc.utf8_rpad(text, words * 8, "\0")
    except pa.ArrowInvalid:
        return None
    width = np.dtype(np.int64 if pa.types.is_large_string(padded.type) else np.int32)
    offsets = np.frombuffer(padded.buffers()[1], width)[padded.offset:padded.offset + len(padded) + 1]
    if int(offsets[-1] - offsets[0]) != words * 8 * len(padded):
        return None
    data = np.frombuffer(padded.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
    grid = data.view(np.uint64).reshape(len(padded), words)
    keys = _keys(words)
    sums = grid[:, 0] * keys[0]
    for w in range(1, words):
        sums += grid[:, w] * keys[w]
    return sums


def _byte_sums(values: pa.Array, lengths: NDArray[np.int64], words: int) -> _U64:
    """The same sums byte by byte: byte i of word w contributes (byte << 8i) * key_w."""
    values = values.cast(pa.large_binary())
    offsets = np.frombuffer(values.buffers()[1], np.int64)[
        values.offset:values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], np.uint8)[offsets[0]:offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    position = np.arange(data.size) - np.repeat(starts, lengths)
    shifted = data.astype(np.uint64) << (np.uint64(8) * (position % 8).astype(np.uint64))
    terms = shifted * _keys(words)[position // 8]
    sums = np.zeros(len(values), np.uint64)
    filled = lengths > 0
    sums[filled] = np.add.reduceat(terms, starts[filled])
    return sums


def indices_array(positions: NDArray[np.integer[Any]]) -> pa.Array:
    """int64 positions as an Arrow array, without pa.array (which imports pandas here)."""
    positions = np.ascontiguousarray(positions, np.int64)
    return pa.Array.from_buffers(pa.int64(), positions.size, [None, pa.py_buffer(positions)])


def valid_mask(values: pa.Array) -> NDArray[np.bool_]:
    """True for the non-null slots (from the validity bitmap, without a copy of the values)."""
    if values.null_count == 0:
        return np.ones(len(values), bool)
    bitmap = np.frombuffer(values.buffers()[0], np.uint8)
    bits = np.unpackbits(bitmap, bitorder="little", count=values.offset + len(values))
    return bits[values.offset:].view(bool)


def value_counts(values: pa.Array) -> tuple[pa.Array, NDArray[np.int64]]:
    """Distinct non-null values and their counts (one hash pass)."""
    counted = pc.value_counts(values)
    distinct, counts = counted.field(0), counted.field(1).to_numpy().astype(np.int64)
    if distinct.null_count:
        keep = np.nonzero(valid_mask(distinct))[0]
        distinct, counts = distinct.take(indices_array(keep)), counts[keep]
    return canonical(distinct), counts


def canonical(values: pa.Array) -> pa.Array:
    """One type for every batch and file (string in one file, large_string in another)."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
        return values.cast(pa.large_binary())
    return values


def _group(values: pa.Array, counts: NDArray[np.int64]) -> tuple[pa.Array, NDArray[np.int64]]:
    table = pa.table({"v": values, "c": pa.array(counts, pa.int64())})
    summed = table.group_by("v").aggregate([("c", "sum")])
    return summed["v"].combine_chunks(), summed["c_sum"].to_numpy()


def _by_hash(hashes: _U64, counts: NDArray[np.int64], labels: pa.Array
             ) -> tuple[_U64, NDArray[np.int64], pa.Array]:
    """Sum counts of equal hashes; keep one value per hash as its label."""
    unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=counts, minlength=unique.size).astype(np.int64)
    return unique, summed, labels.take(indices_array(first))


def _top(hashes: _U64, counts: NDArray[np.int64], labels: pa.Array
         ) -> tuple[_U64, NDArray[np.int64], pa.Array]:
    """Misra-Gries reduction to at most HEAVY_COUNTERS counters: subtract the next count
    from all, drop what is not positive (the mergeable-summary rule)."""
    if counts.size <= HEAVY_COUNTERS:
        return hashes, counts, labels
    threshold = np.partition(counts, counts.size - HEAVY_COUNTERS - 1)[
        counts.size - HEAVY_COUNTERS - 1]
    keep = np.nonzero(counts > threshold)[0]
    return hashes[keep], counts[keep] - threshold, labels.take(indices_array(keep))


def _sorted_counts(hashes: _U64) -> tuple[_U64, NDArray[np.int64]]:
    """The distinct hashes (ascending) and how often each occurs."""
    ordered = np.sort(hashes)
    starts = np.concatenate([[0], np.nonzero(ordered[1:] != ordered[:-1])[0] + 1])
    return ordered[starts], np.diff(np.append(starts, ordered.size)).astype(np.int64)


def _batch_top(hashes: _U64) -> tuple[_U64, NDArray[np.int64]]:
    """_top of one batch's exact hash counts, without sorting every hash.

    A hash alone in its bucket of the top bits (np.bincount, about 1 in 4 buckets filled)
    occurs exactly once, so only the others are sorted and counted. Once a batch has more
    than HEAVY_COUNTERS distinct values the reduction subtracts a count of at least 1, so
    values seen once never survive it: the result is _top's on all the counts, exactly."""
    bits = max(16, (hashes.size - 1).bit_length() + 2)
    bucket = (hashes >> np.uint64(64 - bits)).astype(np.intp)
    alone = np.bincount(bucket, minlength=1 << bits)[bucket] == 1
    unique, counts = _sorted_counts(hashes[~alone])
    singles = int(np.count_nonzero(alone))
    if unique.size + singles <= HEAVY_COUNTERS:  # no reduction: every value is kept
        return _sorted_counts(hashes)
    repeated = counts > 1
    unique, counts = unique[repeated], counts[repeated]
    if counts.size > HEAVY_COUNTERS:  # the (HEAVY_COUNTERS + 1)-th largest count is > 1
        top_hashes, top_counts, _ = _top(unique, counts, indices_array(np.arange(unique.size)))
        return top_hashes, top_counts
    return unique, counts - 1  # the threshold is a count of 1 (a value seen once)


@dataclasses.dataclass
class ValueCounter:
    """Counts of one feature's values: exact until EXACT_DISTINCT distinct values, then a
    summary keyed by 64-bit hash (Misra-Gries counters + KMV sketch)."""

    values: pa.Array | None = None
    counts: NDArray[np.int64] = dataclasses.field(default_factory=lambda: np.empty(0, np.int64))
    buffer: list[tuple[pa.Array, NDArray[np.int64]]] = dataclasses.field(default_factory=list)
    buffered: int = 0
    exact: bool = True
    hashes: _U64 = dataclasses.field(default_factory=lambda: np.empty(0, np.uint64))
    kmv: _U64 = dataclasses.field(default_factory=lambda: np.empty(0, np.uint64))

    def add(self, values: pa.Array) -> None:
        """Count a batch's non-null values."""
        if len(values) == values.null_count:
            return
        if self.exact:
            self.add_counts(*value_counts(values))
            return
        # Summary mode: no hash table of strings per batch, only numpy on 64-bit hashes.
        full = hash_values(values)
        valid = valid_mask(values)
        hashes = full[valid] if values.null_count else full
        if self.kmv.size >= KMV_K:  # only hashes below the current k-th smallest can enter
            self._add_kmv(np.unique(hashes[hashes < self.kmv[-1]]))
            top_hashes, top_counts = _batch_top(hashes)
        else:
            unique, counts = _sorted_counts(hashes)
            self._add_kmv(unique)
            top_hashes, top_counts, _ = _top(unique, counts, indices_array(np.arange(unique.size)))
        # Labels only for the counters that survive the reduction (few: ids repeat rarely).
        if top_hashes.size:
            spot = np.minimum(np.searchsorted(top_hashes, full), top_hashes.size - 1)
            where = np.nonzero((top_hashes[spot] == full) & valid)[0]
            first_hashes, first = np.unique(full[where], return_index=True)
            labels = values.take(indices_array(where[first]))
            order = np.searchsorted(first_hashes, top_hashes)
            self._add_summary(top_hashes, top_counts, labels.take(indices_array(order)))

    def add_counts(self, values: pa.Array, counts: NDArray[np.int64]) -> None:
        """Add distinct values with their counts."""
        if not self.exact:
            hashes = hash_values(values)
            self._add_kmv(np.unique(hashes))
            self._add_summary(*_top(hashes, counts, values))
            return
        self.buffer.append((values, counts))
        self.buffered += counts.size
        if self.buffered > _BUFFERED:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        parts = ([(self.values, self.counts)] if self.values is not None else []) + self.buffer
        self.buffer, self.buffered = [], 0
        values = pa.concat_arrays([p[0] for p in parts])
        counts = np.concatenate([p[1] for p in parts])
        if len(parts) > 1 and counts.size > EXACT_DISTINCT:
            # Maybe too many distinct values: count them by hash first (a numpy sort), which
            # is much cheaper than grouping the values themselves when the answer is yes.
            hashes = hash_values(values)
            if np.unique(hashes).size > EXACT_DISTINCT:
                self._to_summary(values, counts, hashes)
                return
        self.values, self.counts = _group(values, counts) if len(parts) > 1 else (values, counts)
        if self.counts.size > EXACT_DISTINCT:
            self._to_summary(self.values, self.counts, hash_values(self.values))

    def _to_summary(self, values: pa.Array, counts: NDArray[np.int64], hashes: _U64) -> None:
        self.exact = False
        self.kmv = np.unique(hashes)[:KMV_K]
        self.hashes, self.counts, self.values = _top(*_by_hash(hashes, counts, values))

    def _add_kmv(self, sorted_unique: _U64) -> None:
        self.kmv = np.union1d(self.kmv, sorted_unique[:KMV_K])[:KMV_K]

    def _add_summary(self, hashes: _U64, counts: NDArray[np.int64], labels: pa.Array) -> None:
        assert self.values is not None
        merged = _by_hash(np.concatenate([self.hashes, hashes]),
                          np.concatenate([self.counts, counts]),
                          pa.concat_arrays([self.values, labels.cast(self.values.type)]))
        self.hashes, self.counts, self.values = _top(*merged)

    def merge(self, other: ValueCounter) -> None:
        other._flush()
        if other.values is None:
            return
        if self.exact and other.exact:
            self.add_counts(other.values, other.counts)
            return
        self._flush()
        if self.values is None:
            self.values, self.counts, self.exact = other.values, other.counts, other.exact
            self.hashes, self.kmv = other.hashes, other.kmv
            return
        if self.exact:
            assert self.values is not None
            self._to_summary(self.values, self.counts, hash_values(self.values))
        if other.exact:
            self.add_counts(other.values, other.counts)
            return
        self._add_kmv(other.kmv)
        self._add_summary(other.hashes, other.counts, other.values)

    def unique(self) -> int:
        self._flush()
        if self.exact:
            return int(self.counts.size)
        if self.kmv.size < KMV_K:
            return int(self.kmv.size)
        # The k-th smallest of n uniform hashes sits near k / n of the hash range.
        return round((KMV_K - 1) / (float(self.kmv[-1]) / 2.0**64))

    def items(self) -> tuple[pa.Array | None, NDArray[np.int64]]:
        """The counted values and their counts (all of them when exact)."""
        self._flush()
        return self.values, self.counts
