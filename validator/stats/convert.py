"""Raw Arrow record batches -> the typed list batches TFDV's statistics generators read.

Types come from the curated schema, not from each file: an INT feature is INT whatever the
file says, as long as its values parse as integers. A value that does not parse is counted
(and a few examples kept); the run reports it as an UNEXPECTED_DATA_TYPE anomaly instead of
crashing. Columns the schema does not know keep the type of their first batch, so TFDV can
report them as new columns.

Output column types match tfx_bsl's decoders: large_list<int64>, large_list<float32>,
large_list<large_binary>; a missing value is a null list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tensorflow_metadata.proto.v0 import schema_pb2

INT = schema_pb2.INT
FLOAT = schema_pb2.FLOAT
BYTES = schema_pb2.BYTES
TYPE_NAMES = {INT: "INT", FLOAT: "FLOAT", BYTES: "BYTES"}
_VALUE_TYPES = {INT: pa.int64(), FLOAT: pa.float32(), BYTES: pa.large_binary()}
_INT_TEXT = r"^\s*[-+]?\d+\s*$"
_FLOAT_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(?i:nan|inf|infinity)\s*$"
MAX_EXAMPLES = 3


@dataclasses.dataclass
class InvalidValues:
    """Values of one feature that did not parse as the schema's type."""

    expected: str
    count: int = 0
    examples: list[str] = dataclasses.field(default_factory=list)

    def add(self, values: pa.Array) -> None:
        self.count += len(values)
        for value in values.to_pylist():
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            text = text[:40]
            if len(self.examples) < MAX_EXAMPLES and text not in self.examples:
                self.examples.append(text)


def inferred_type(arrow_type: pa.DataType) -> int:
    """The TFDV type a column with no schema entry gets."""
    while pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type) or \
            pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return INT
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return FLOAT
    return BYTES


def _as_text(values: pa.Array) -> pa.Array:
    return pc.cast(values, pa.large_string())


def _parse_text(values: pa.Array, pattern: str, target: pa.DataType,
                invalid: InvalidValues) -> pa.Array:
    text = _as_text(values)
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
    text = pc.if_else(blank, pa.scalar(None, pa.large_string()), text)
    ok = pc.match_substring_regex(text, pattern)
    bad = pc.and_(pc.invert(ok), pc.is_valid(text))
    if pc.any(bad).as_py():
        invalid.add(pc.filter(text, bad))
        text = pc.if_else(ok, text, pa.scalar(None, pa.large_string()))
    # Arrow's parsers refuse a leading '+', which the patterns (and people) accept.
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"^\+", "")
    parsed = pc.cast(text, pa.float64() if target == pa.float32() else target)
    return pc.cast(parsed, target, safe=target != pa.float32())


def _to_int(values: pa.Array, invalid: InvalidValues) -> pa.Array:
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return pc.cast(values, pa.int64())
    if pa.types.is_timestamp(kind):
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[kind.unit]
        raw = values.view(pa.int64())
        return pc.cast(pc.floor(pc.divide(pc.cast(raw, pa.float64()), per_second)), pa.int64())
    if pa.types.is_date(kind):
        return pc.cast(pc.cast(values, pa.date32()).view(pa.int32()), pa.int64())
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        floats = pc.cast(values, pa.float64())
        whole = pc.and_(pc.is_finite(floats), pc.equal(pc.floor(floats), floats))
        bad = pc.and_(pc.invert(whole), pc.is_valid(floats))
        if pc.any(bad).as_py():
            invalid.add(pc.filter(floats, bad))
            floats = pc.if_else(whole, floats, pa.scalar(None, pa.float64()))
        return pc.cast(floats, pa.int64())
    return _parse_text(values, _INT_TEXT, pa.int64(), invalid)


def _to_float(values: pa.Array, invalid: InvalidValues) -> pa.Array:
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        return pc.cast(values, pa.float32(), safe=False)
    if pa.types.is_decimal(kind):
        return pc.cast(pc.cast(values, pa.float64()), pa.float32(), safe=False)
    if pa.types.is_timestamp(kind):
        per_second = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[kind.unit]
        return pc.cast(pc.divide(pc.cast(values.view(pa.int64()), pa.float64()), per_second),
                       pa.float32(), safe=False)
    return _parse_text(values, _FLOAT_TEXT, pa.float32(), invalid)


def _to_bytes(values: pa.Array) -> pa.Array:
    kind = values.type
    if pa.types.is_timestamp(kind):
        values = pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
    elif pa.types.is_date(kind):
        values = pc.strftime(values, format="%Y-%m-%d")
    elif pa.types.is_boolean(kind):
        values = pc.if_else(values, "true", "false")
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        return pc.cast(values, pa.large_binary())
    return pc.cast(pc.cast(values, pa.large_string()), pa.large_binary())


def convert_values(values: pa.Array, feature_type: int, invalid: InvalidValues) -> pa.Array:
    counted = (invalid.count, list(invalid.examples))
    try:
        if feature_type == INT:
            return _to_int(values, invalid)
        if feature_type == FLOAT:
            return _to_float(values, invalid)
        return _to_bytes(values)
    except (pa.ArrowInvalid, OverflowError):
        # A value the vectorized path cannot represent (beyond int64, say): go value by value,
        # so it is reported as an anomaly rather than failing the run (counted once).
        invalid.count, invalid.examples = counted[0], counted[1]
        return _convert_one_by_one(values, feature_type, invalid)


_INT64 = (-(2**63), 2**63 - 1)


def _convert_one_by_one(values: pa.Array, feature_type: int, invalid: InvalidValues) -> pa.Array:
    out: list[object] = []
    bad: list[object] = []
    for value in values.to_pylist():
        converted = _one(value, feature_type)
        if converted is None and value is not None and str(value).strip() != "":
            bad.append(str(value))
        out.append(converted)
    if bad:
        invalid.add(pa.array(bad, pa.large_string()))
    return pa.array(out, _VALUE_TYPES[feature_type])


def _one(value: object, feature_type: int) -> object:
    if value is None:
        return None
    if feature_type == BYTES:
        return value if isinstance(value, bytes) else str(value).encode()
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    try:
        number = float(text.strip()) if feature_type == FLOAT else _as_int(text.strip())
    except (ValueError, OverflowError):
        return None
    if feature_type == INT and not _INT64[0] <= number <= _INT64[1]:
        return None
    return number


def _as_int(text: str) -> int:
    number = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(text)
    return int(number)


def _feature_types(features: Iterable[schema_pb2.Feature], prefix: str = ""
                   ) -> Iterator[tuple[str, int]]:
    """Schema types by path; nested features (STRUCT struct_domain) as parent.child."""
    for feature in features:
        if feature.type in _VALUE_TYPES:
            yield prefix + feature.name, feature.type
        elif feature.type == schema_pb2.STRUCT:
            yield from _feature_types(feature.struct_domain.feature, f"{prefix}{feature.name}.")


def _as_list(values: pa.Array) -> pa.LargeListArray:
    """Wrap a flat column so each row is a list of at most one value; null stays missing."""
    valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    offsets = np.concatenate([[0], np.cumsum(valid)]).astype(np.int64)
    mask = pa.array(~valid) if not valid.all() else None
    return pa.LargeListArray.from_arrays(pa.array(offsets), values.drop_null(), mask=mask)


def _relist(column: pa.Array, converted_values: pa.Array) -> pa.LargeListArray:
    """Rebuild a (possibly null) list column around converted child values."""
    offsets = pc.cast(column.offsets, pa.int64())
    mask = column.is_null() if column.null_count else None
    return pa.LargeListArray.from_arrays(offsets, converted_values, mask=mask)


class BatchConverter:
    """Converts the batches of one run; collects invalid values per feature as it goes."""

    def __init__(self, schema: schema_pb2.Schema) -> None:
        self._types: dict[str, int] = dict(_feature_types(schema.feature))
        self.invalid: dict[str, InvalidValues] = {}
        self.rows = 0

    def convert(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays, names = [], []
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            if isinstance(column, pa.ChunkedArray):
                column = column.combine_chunks()
            if pa.types.is_null(column.type):
                arrays.append(column)  # TFDV reads all-null columns as they are
                names.append(name)
                continue
            arrays.append(self._column(name, column))
            names.append(name)
        self.rows += batch.num_rows
        return pa.RecordBatch.from_arrays(arrays, names)

    def _column(self, path: str, column: pa.Array) -> pa.Array:
        """One column (or struct child, `path` = parent.child) as a TFDV list column."""
        is_list = pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
        values_type = column.type.value_type if is_list else column.type
        if pa.types.is_struct(values_type):
            # STRUCT / RECORD: TFDV reads nested features parent.child from a list of structs
            # whose children are list columns themselves.
            if is_list:
                return _relist(column, self._struct(path, column.values))
            return _as_list(self._struct(path, column))
        feature_type = self._types.setdefault(path, inferred_type(column.type))
        invalid = self.invalid.setdefault(path, InvalidValues(TYPE_NAMES[feature_type]))
        if is_list:
            # offsets index into .values (not .flatten(), which drops null lists' slots)
            return _relist(column, convert_values(column.values, feature_type, invalid))
        return _as_list(convert_values(column, feature_type, invalid))

    def _struct(self, path: str, values: pa.StructArray) -> pa.StructArray:
        # flatten() applies the array's offset and nulls to the children.
        children = [self._column(f"{path}.{field.name}", child)
                    for field, child in zip(values.type, values.flatten(), strict=True)]
        names = [field.name for field in values.type]
        if not children:
            return values
        mask = values.is_null() if values.null_count else None
        return pa.StructArray.from_arrays(children, names, mask=mask)

    def invalid_values(self) -> dict[str, InvalidValues]:
        return {name: inv for name, inv in self.invalid.items() if inv.count}
