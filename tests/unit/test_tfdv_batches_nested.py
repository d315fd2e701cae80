"""BigQuery's nested and wide types in the batch converter: STRUCT and REPEATED RECORD become
list<struct<list...>> columns (TFDV's nested paths), typed by the schema's struct_domain;
BIGNUMERIC (decimal256) becomes FLOAT."""

from __future__ import annotations

import decimal

import pyarrow as pa
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.stats.convert import BatchConverter

SCHEMA = text_format.Parse("""
feature {
  name: "st" type: STRUCT
  struct_domain { feature { name: "x" type: FLOAT } feature { name: "y" type: BYTES } }
}
""", schema_pb2.Schema())


def test_struct_becomes_a_list_of_one_struct_with_list_children() -> None:
    struct = pa.array([{"x": 1, "y": "a"}, None, {"x": None, "y": "b"}],
                      pa.struct([("x", pa.int64()), ("y", pa.string())]))
    out = BatchConverter(SCHEMA).convert(pa.record_batch([struct], ["st"]))
    column = out.column(0)
    assert column.type == pa.large_list(pa.struct([("x", pa.large_list(pa.float32())),
                                                   ("y", pa.large_list(pa.large_binary()))]))
    # The schema's struct_domain types st.x as FLOAT although the data holds integers.
    assert column.to_pylist() == [[{"x": [1.0], "y": [b"a"]}], None, [{"x": None, "y": [b"b"]}]]


def test_repeated_record_keeps_its_lists() -> None:
    record = pa.struct([("n", pa.int64()), ("tags", pa.list_(pa.string()))])
    rows = pa.array([[{"n": 1, "tags": ["a"]}, {"n": 2, "tags": []}], [], None], pa.list_(record))
    converter = BatchConverter(schema_pb2.Schema())  # no schema entry: types inferred
    out = converter.convert(pa.record_batch([rows], ["rst"]))
    assert out.column(0).to_pylist() == [[{"n": [1], "tags": [b"a"]}, {"n": [2], "tags": []}],
                                         [], None]


def test_sliced_struct_keeps_the_right_rows() -> None:
    struct = pa.array([{"x": 1.0, "y": "a"}, {"x": 2.0, "y": "b"}, {"x": 3.0, "y": "c"}],
                      pa.struct([("x", pa.float64()), ("y", pa.string())])).slice(1, 2)
    out = BatchConverter(SCHEMA).convert(pa.record_batch([struct], ["st"]))
    assert out.column(0).to_pylist() == [[{"x": [2.0], "y": [b"b"]}], [{"x": [3.0], "y": [b"c"]}]]


def test_nested_values_that_do_not_parse_are_counted_by_path() -> None:
    struct = pa.array([{"x": "1.5", "y": "a"}, {"x": "$3", "y": "b"}],
                      pa.struct([("x", pa.string()), ("y", pa.string())]))
    converter = BatchConverter(SCHEMA)
    converter.convert(pa.record_batch([struct], ["st"]))
    invalid = converter.invalid_values()
    assert list(invalid) == ["st.x"]
    assert (invalid["st.x"].count, invalid["st.x"].examples) == (1, ["$3"])


def test_bignumeric_becomes_float() -> None:
    values = pa.array([decimal.Decimal("2.5"), None], pa.decimal256(76, 38))
    out = BatchConverter(schema_pb2.Schema()).convert(pa.record_batch([values], ["bn"]))
    assert out.column(0).type == pa.large_list(pa.float32())
    assert out.column(0).to_pylist() == [[2.5], None]


def test_nested_invalid_values_land_on_the_nested_feature() -> None:
    from validator.stats.accumulate import INVALID_COUNT, attach_invalid_values, compute_statistics

    struct = pa.array([{"x": "1.5", "y": "a"}, {"x": "$3", "y": "b"}],
                      pa.struct([("x", pa.string()), ("y", pa.string())]))
    converter = BatchConverter(SCHEMA)
    stats = compute_statistics([converter.convert(pa.record_batch([struct], ["st"]))], SCHEMA)
    attach_invalid_values(stats, converter.invalid_values())
    features = {tuple(f.path.step): f for f in stats.datasets[0].features}
    assert ("st.x",) not in features  # no flat stand-in feature
    custom = {c.name: c for c in features[("st", "x")].custom_stats}
    assert custom[INVALID_COUNT].num == 1
    assert features[("st", "x")].num_stats.common_stats.num_non_missing == 1
