"""Per-feature accumulators of the fast engine, and how one Arrow column is folded into them.

Owns: what TFDV's BasicStatsGenerator and top-k/uniques generator would collect for one
feature, gathered with whole-array numpy/pyarrow operations: presence and valency (how many
rows have the feature, how many values each), numeric moments (count, mean, variance merged
as TFDV's MeanVarAccumulator does), zeros, NaN, infinities, min/max, a quantile sample
(fast_sample), string lengths, and value counts (fast_counts) for categorical features.
Values are typed by the schema with validator.stats.convert, so unparseable values are
counted there and become missing here, as on the reference path.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.stats.convert import InvalidValues, convert_values
from validator.stats.fast_counts import ValueCounter, canonical, indices_array, valid_mask, value_counts
from validator.stats.fast_sample import ValueSample

Stats = statistics_pb2.FeatureNameStatistics
_NUMPY_TYPES: dict[pa.DataType, type[np.generic]] = {
    pa.int64(): np.int64, pa.float32(): np.float32, pa.float64(): np.float64,
    pa.int32(): np.int32, pa.int16(): np.int16, pa.int8(): np.int8}
_DIGITS = np.array([10**i for i in range(1, 19)], np.int64)


@dataclasses.dataclass
class Presence:
    """Rows with the feature and values per row (counts of each number of values)."""

    non_missing: int = 0
    min_values: int = sys.maxsize
    max_values: int = 0
    total_values: int = 0
    by_length: NDArray[np.int64] = dataclasses.field(default_factory=lambda: np.zeros(2, np.int64))

    def add_singles(self, rows: int) -> None:
        """`rows` rows with exactly one value each (a flat column)."""
        if rows:
            self.non_missing += rows
            self.min_values = min(self.min_values, 1)
            self.max_values = max(self.max_values, 1)
            self.total_values += rows
            self.by_length[1] += rows

    def add_lengths(self, lengths: NDArray[np.int64]) -> None:
        """Value counts of the rows that have the feature (list columns)."""
        if lengths.size:
            self.non_missing += lengths.size
            self.min_values = min(self.min_values, int(lengths.min()))
            self.max_values = max(self.max_values, int(lengths.max()))
            self.total_values += int(lengths.sum())
            self._add_by_length(np.bincount(lengths))

    def _add_by_length(self, counts: NDArray[np.int64]) -> None:
        if counts.size > self.by_length.size:
            counts, self.by_length = self.by_length, counts.astype(np.int64)
        self.by_length[:counts.size] += counts

    def merge(self, other: Presence) -> None:
        self.non_missing += other.non_missing
        self.min_values = min(self.min_values, other.min_values)
        self.max_values = max(self.max_values, other.max_values)
        self.total_values += other.total_values
        self._add_by_length(other.by_length.copy())


@dataclasses.dataclass
class Numeric:
    """Moments, extremes and a quantile sample of one numeric feature's non-NaN values."""

    seed: int = 0
    count: int = 0
    mean: float = 0.0
    variance: float = 0.0
    num_nan: int = 0
    num_zeros: int = 0
    min: float = float("inf")
    max: float = float("-inf")
    finite_min: float = float("inf")
    finite_max: float = float("-inf")
    pos_inf: int = 0
    sample: ValueSample = dataclasses.field(default_factory=ValueSample)

    def __post_init__(self) -> None:
        self.sample.seed = self.seed

    def add(self, values: NDArray[np.floating[Any]] | NDArray[np.integer[Any]]) -> None:
        """Fold one batch's non-null values: a few whole-array passes, no per-value Python and
        no BLAS (OpenBLAS's threads spin beside the other workers: np.dot is not used)."""
        if values.size == 0:
            return
        low, high = values.min(), values.max()
        if values.dtype.kind == "f" and np.isnan(low):  # min and max are NaN if any value is
            nan = np.isnan(values)
            self.num_nan += int(np.count_nonzero(nan))
            values = values[~nan]
            if values.size == 0:
                return
            low, high = values.min(), values.max()
        self.min, self.max = min(self.min, float(low)), max(self.max, float(high))
        if values.dtype.kind == "f" and (np.isinf(low) or np.isinf(high)):
            finite = values[np.isfinite(values)]
            if finite.size:
                self.finite_min = min(self.finite_min, float(finite.min()))
                self.finite_max = max(self.finite_max, float(finite.max()))
            self.pos_inf += int(np.count_nonzero(np.isposinf(values)))
        else:
            self.finite_min = min(self.finite_min, float(low))
            self.finite_max = max(self.finite_max, float(high))
        self.num_zeros += int(np.count_nonzero(values == 0))  # ~10x faster than on floats
        with np.errstate(invalid="ignore"):  # +inf and -inf together: nan, as in TFDV
            mean = float(values.sum(dtype=np.float64)) / values.size
            if np.isfinite(mean):
                deviations = np.subtract(values, mean, dtype=np.float64)
                variance = float(np.square(deviations, out=deviations).sum()) / values.size
            else:  # infinities: numpy's own answer, as TFDV's np.var gives
                variance = float(np.var(values.astype(np.float64)))
        self._combine(values.size, mean, variance)
        self.sample.add(values)

    def _combine(self, b_count: int, b_mean: float, b_variance: float) -> None:
        """TFDV's MeanVarAccumulator._combine (variance_util.py), term for term."""
        a_count, a_mean, a_variance = self.count, self.mean, self.variance
        if b_count > a_count:
            a_count, b_count = b_count, a_count
            a_mean, b_mean = b_mean, a_mean
            a_variance, b_variance = b_variance, a_variance
        new_count = a_count + b_count
        if new_count == 0:
            return
        ratio = b_count / new_count
        new_mean = a_mean + ratio * (b_mean - a_mean)
        self.variance = a_variance + ratio * (b_variance - a_variance
                                              + (b_mean - new_mean) * (b_mean - a_mean))
        self.count, self.mean = new_count, new_mean

    def merge(self, other: Numeric) -> None:
        self.num_nan += other.num_nan
        self.num_zeros += other.num_zeros
        self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        self.finite_min = min(self.finite_min, other.finite_min)
        self.finite_max = max(self.finite_max, other.finite_max)
        self.pos_inf += other.pos_inf
        self._combine(other.count, other.mean, other.variance)
        self.sample.merge(other.sample)


@dataclasses.dataclass
class Feature:
    """Everything collected for one feature. `kind` is the statistics type (INT, FLOAT,
    STRING) of the values seen, None while only nulls were seen."""

    path: str
    categorical: bool
    seed: int = 0
    kind: int | None = None
    presence: Presence = dataclasses.field(default_factory=Presence)
    numeric: Numeric | None = None
    text_bytes: int = 0
    invalid_utf8: int = 0
    counter: ValueCounter | None = None

    def merge(self, other: Feature) -> None:
        self.kind = self.kind if self.kind is not None else other.kind
        self.presence.merge(other.presence)
        if other.numeric is not None:
            self._numeric().merge(other.numeric)
        self.text_bytes += other.text_bytes
        self.invalid_utf8 += other.invalid_utf8
        if other.counter is not None:
            self._counter().merge(other.counter)

    def _numeric(self) -> Numeric:
        if self.numeric is None:
            self.numeric = Numeric(seed=self.seed)
        return self.numeric

    def _counter(self) -> ValueCounter:
        if self.counter is None:
            self.counter = ValueCounter()
        return self.counter

    def fold(self, column: pa.Array, feature_type: int, invalid: InvalidValues) -> None:
        """One batch's column (flat or a list of values), typed by the schema's type."""
        if pa.types.is_null(column.type):
            return  # all missing; the type stays unknown, as TFDV's
        if isinstance(column, pa.DictionaryArray):
            self._fold_dictionary(column)
            return
        source_type = column.type
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            source_type = column.type.value_type
            lengths = pc.list_value_length(column).drop_null().to_numpy().astype(np.int64)
            values = convert_values(column.flatten(), feature_type, invalid)
            self.presence.add_lengths(lengths)
            nulls_are_nan = True  # an unparseable element stays a value (TFDV reads NaN)
        elif feature_type == schema_pb2.BYTES and _is_text(column.type):
            values = column  # already bytes: no copy (convert would widen to large_binary)
            self.presence.add_singles(len(values) - values.null_count)
            nulls_are_nan = False
        else:
            values = convert_values(column, feature_type, invalid)
            self.presence.add_singles(len(values) - values.null_count)
            nulls_are_nan = False
        self.kind = {schema_pb2.INT: Stats.INT, schema_pb2.FLOAT: Stats.FLOAT}.get(
            feature_type, Stats.STRING)
        if self.kind == Stats.STRING:
            self._fold_text(values, source_type)
        elif self.categorical:
            self._fold_categorical_number(values)
        else:
            self._fold_number(values, nulls_are_nan)

    def _fold_number(self, values: pa.Array, nulls_are_nan: bool) -> None:
        numeric = self._numeric()
        if nulls_are_nan and values.null_count:
            numeric.num_nan += values.null_count
        if len(values) > values.null_count:
            numeric.add(_present(values))

    def _fold_categorical_number(self, values: pa.Array) -> None:
        """Categorical INT/FLOAT: string statistics of the values' decimal text, as TFDV."""
        if len(values) == values.null_count:
            return
        distinct, counts = value_counts(values)
        self._counter().add_counts(distinct, counts)
        if pa.types.is_integer(distinct.type):
            numbers = distinct.to_numpy()
            digits = np.searchsorted(_DIGITS, np.abs(numbers), side="right") + 1
            self.text_bytes += int(np.dot(digits + (numbers < 0), counts))
        else:  # str() of a float32, value by value (categorical floats are rare)
            texts = [len(str(np.float32(v))) for v in distinct.to_pylist()]
            self.text_bytes += int(np.dot(np.array(texts, np.int64), counts))

    def _fold_dictionary(self, column: pa.DictionaryArray) -> None:
        """Dictionary-encoded text (Parquet dictionary pages read as they are): counted by
        their codes, without building the strings or hashing them."""
        self.presence.add_singles(len(column) - column.null_count)
        self.kind = Stats.STRING
        indices = column.indices
        codes = np.frombuffer(indices.buffers()[1], _NUMPY_TYPES[indices.type])[
            indices.offset:indices.offset + len(indices)]
        if indices.null_count:
            codes = codes[valid_mask(indices)]
        if not codes.size:
            return
        counts = np.bincount(codes, minlength=len(column.dictionary))
        used = np.nonzero(counts)[0]
        distinct, counts = column.dictionary.take(indices_array(used)), counts[used]
        lengths = _present(pc.binary_length(distinct)).astype(np.int64)
        self.text_bytes += int(np.dot(lengths, counts))
        if not (pa.types.is_string(distinct.type) or pa.types.is_large_string(distinct.type)):
            bad = [_invalid_utf8(distinct.slice(i, 1)) for i in range(len(distinct))]
            self.invalid_utf8 += int(np.dot(np.array(bad, np.int64), counts))
        self._counter().add_counts(canonical(distinct), counts.astype(np.int64))

    def _fold_text(self, values: pa.Array, source_type: pa.DataType) -> None:
        if len(values) == values.null_count:
            return
        self.text_bytes += int(pc.sum(pc.binary_length(values)).as_py() or 0)
        if not (pa.types.is_string(source_type) or pa.types.is_large_string(source_type)):
            self.invalid_utf8 += _invalid_utf8(values)
        self._counter().add(values)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _present(values: pa.Array) -> NDArray[Any]:
    """The non-null values of a primitive array as numpy, straight from its buffers (pyarrow
    10's drop_null costs ~100x more here)."""
    dtype = _NUMPY_TYPES.get(values.type)
    if dtype is None:
        return values.drop_null().to_numpy()
    data = np.frombuffer(values.buffers()[1], dtype)[values.offset:values.offset + len(values)]
    return data[valid_mask(values)] if values.null_count else data


def _invalid_utf8(values: pa.Array) -> int:
    """Values that are not UTF-8 (only binary source columns can have them)."""
    try:
        values.cast(pa.large_string())
        return 0
    except pa.ArrowInvalid:
        bad = 0
        for value in values.to_pylist():
            try:
                if value is not None:
                    value.decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
        return bad
