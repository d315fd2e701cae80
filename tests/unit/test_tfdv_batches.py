"""Raw Arrow -> TFDV list batches, typed by the curated schema."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.stats.convert import BatchConverter

SCHEMA = text_format.Parse("""
feature { name: "age" type: INT }
feature { name: "price" type: FLOAT }
feature { name: "when" type: INT }
feature { name: "code" type: BYTES }
feature { name: "tags" type: BYTES }
""", schema_pb2.Schema())


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    return batch.column(batch.schema.get_field_index(name))


def test_int_with_missing_values_stays_int() -> None:
    out = BatchConverter(SCHEMA).convert(pa.record_batch([pa.array([1, None, 3])], ["age"]))
    age = _column(out, "age")
    assert age.type == pa.large_list(pa.int64())
    assert age.to_pylist() == [[1], None, [3]]


def test_text_is_parsed_as_the_schema_type_and_bad_values_are_counted() -> None:
    converter = BatchConverter(SCHEMA)
    out = converter.convert(pa.record_batch(
        [pa.array([" 7", "", "n/a", "12"]), pa.array(["1.5", "$2.00", None, "1e3"])], ["age", "price"]))
    assert _column(out, "age").to_pylist() == [[7], None, None, [12]]
    assert _column(out, "price").type == pa.large_list(pa.float32())
    assert _column(out, "price").to_pylist() == [[1.5], None, None, [1000.0]]
    invalid = converter.invalid_values()
    assert (invalid["age"].count, invalid["age"].examples, invalid["age"].expected) == (1, ["n/a"], "INT")
    assert (invalid["price"].count, invalid["price"].examples) == (1, ["$2.00"])


def test_non_integral_floats_in_an_int_feature_are_invalid() -> None:
    converter = BatchConverter(SCHEMA)
    out = converter.convert(pa.record_batch([pa.array([1.0, 2.5, None])], ["age"]))
    assert _column(out, "age").to_pylist() == [[1], None, None]
    assert converter.invalid_values()["age"].count == 1


def test_timestamps_become_epoch_seconds_and_numbers_become_text() -> None:
    when = dt.datetime(2026, 11, 1, 12, 0, 30, 999_000, tzinfo=dt.UTC)
    out = BatchConverter(SCHEMA).convert(pa.record_batch(
        [pa.array([when], pa.timestamp("us", tz="UTC")), pa.array([42])], ["when", "code"]))
    assert _column(out, "when").to_pylist() == [[int(when.timestamp())]]
    assert _column(out, "code").to_pylist() == [[b"42"]]


def test_list_columns_keep_their_lists_and_nulls() -> None:
    tags = pa.array([["a", "b"], None, [], ["c"]], pa.list_(pa.string()))
    out = BatchConverter(SCHEMA).convert(pa.record_batch([tags], ["tags"]))
    assert _column(out, "tags").to_pylist() == [[b"a", b"b"], None, [], [b"c"]]


def test_sliced_list_columns_are_converted_from_the_right_offsets() -> None:
    tags = pa.array([["x"], ["a", "b"], None, ["c"]], pa.list_(pa.string())).slice(1)
    out = BatchConverter(SCHEMA).convert(pa.record_batch([tags], ["tags"]))
    assert _column(out, "tags").to_pylist() == [[b"a", b"b"], None, [b"c"]]


def test_unknown_columns_keep_the_type_of_their_first_batch() -> None:
    converter = BatchConverter(SCHEMA)
    first = converter.convert(pa.record_batch([pa.array([1, 2])], ["new"]))
    second = converter.convert(pa.record_batch([pa.array(["3", "x"])], ["new"]))
    assert _column(first, "new").type == _column(second, "new").type == pa.large_list(pa.int64())
    assert _column(second, "new").to_pylist() == [[3], None]
    assert converter.rows == 4


def test_values_beyond_the_fast_path_are_reported_not_fatal() -> None:
    converter = BatchConverter(SCHEMA)
    out = converter.convert(pa.record_batch(
        [pa.array(["+5", "99999999999999999999", "7"]), pa.array(["+1.5e3", "x", "2"])],
        ["age", "price"]))
    assert _column(out, "age").to_pylist() == [[5], None, [7]]
    assert _column(out, "price").to_pylist() == [[1500.0], None, [2.0]]
    invalid = converter.invalid_values()
    assert (invalid["age"].count, invalid["age"].examples) == (1, ["99999999999999999999"])
    assert invalid["price"].count == 1

    # A batch with both a non-number and an overflow counts each bad value once.
    converter = BatchConverter(SCHEMA)
    converter.convert(pa.record_batch([pa.array(["n/a", "99999999999999999999", "1"])], ["age"]))
    assert converter.invalid_values()["age"].count == 2


def test_unsigned_and_huge_floats_in_an_int_feature() -> None:
    converter = BatchConverter(SCHEMA)
    out = converter.convert(pa.record_batch(
        [pa.array([2**64 - 1, 3], pa.uint64()), pa.array([1e20, 4.0])], ["age", "when"]))
    assert _column(out, "age").to_pylist() == [None, [3]]
    assert _column(out, "when").to_pylist() == [None, [4]]
    assert converter.invalid_values()["age"].count == 1
    assert converter.invalid_values()["when"].count == 1
