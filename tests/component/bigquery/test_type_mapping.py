"""BigQuery types through the real Storage Read API (Arrow) into TFDV statistics: each type
lands as the README's mapping says, with the values' statistics right."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.bigquery import Emulator

DATASET = "dqv_types"
ROWS = [
    {"i": 1, "f": 1.5, "n": "1.25", "bn": "10.5", "b": True, "s": "a", "by": "AAE=",
     "d": "2026-11-01", "dt": "2026-11-01T10:00:00", "ts": "2026-11-01T10:00:00Z",
     "rep": [1, 2, 3], "st": {"x": 10, "y": "p"},
     "rst": [{"x": 1.0, "tags": ["a", "b"]}, {"x": 3.0, "tags": []}]},
    {"i": 3, "f": 2.5, "n": "2.75", "bn": "20.5", "b": False, "s": "b", "by": "AAI=",
     "d": "2026-11-03", "dt": "2026-11-01T10:00:10", "ts": "2026-11-01T10:00:20Z",
     "rep": [], "st": {"x": 30, "y": None}, "rst": [{"x": 5.0, "tags": ["c"]}]},
    {"i": None, "f": None, "n": None, "bn": None, "b": None, "s": None, "by": None, "d": None,
     "dt": None, "ts": None, "rep": [4], "st": None, "rst": []},
]


@pytest.fixture(scope="module")
def statistics(bq_emulator: Emulator) -> Any:
    from google.cloud import bigquery
    from tensorflow_metadata.proto.v0 import schema_pb2

    from validator.config.job import BigQuerySource
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource
    from validator.stats.accumulate import StatisticsAccumulator
    from validator.stats.convert import BatchConverter

    clients = bq_emulator.clients()
    field = bigquery.SchemaField
    schema = [field("i", "INT64"), field("f", "FLOAT64"), field("n", "NUMERIC"),
              field("bn", "BIGNUMERIC"), field("b", "BOOL"), field("s", "STRING"),
              field("by", "BYTES"), field("d", "DATE"), field("dt", "DATETIME"),
              field("ts", "TIMESTAMP"), field("rep", "INT64", mode="REPEATED"),
              field("st", "RECORD", fields=[field("x", "INT64"), field("y", "STRING")]),
              field("rst", "RECORD", mode="REPEATED",
                    fields=[field("x", "FLOAT64"), field("tags", "STRING", mode="REPEATED")])]
    clients.bigquery.create_dataset(f"{clients.project}.{DATASET}", exists_ok=True)
    table = f"{clients.project}.{DATASET}.all_types"
    clients.bigquery.delete_table(table, not_found_ok=True)
    clients.bigquery.create_table(bigquery.Table(table, schema=schema))
    assert clients.bigquery.insert_rows_json(table, ROWS) == []

    config = BigQuerySource(kind="bigquery", table=f"{DATASET}.all_types")
    source = BigQueryTableSource(config, clients)
    converter = BatchConverter(schema_pb2.Schema())  # no schema: every type is inferred
    accumulator = StatisticsAccumulator(schema_pb2.Schema())
    read = ReadStats()
    for batch in source.read(None, read):
        accumulator.add(converter.convert(batch))
    assert read.rows == 3
    return accumulator.result().datasets[0]


def _feature(dataset: Any, path: str) -> Any:
    found = {".".join(f.path.step): f for f in dataset.features}
    assert path in found, sorted(found)
    return found[path]


def _epoch_days(text: str) -> int:
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def _epoch_seconds(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(("path", "mean", "present"), [
    ("i", 2.0, 2),                     # INT64
    ("f", 2.0, 2),                     # FLOAT64
    ("n", 2.0, 2),                     # NUMERIC -> FLOAT
    ("bn", 15.5, 2),                   # BIGNUMERIC -> FLOAT
    ("b", 0.5, 2),                     # BOOL -> INT 0/1
    ("d", (_epoch_days("2026-11-01") + _epoch_days("2026-11-03")) / 2, 2),  # DATE -> days
    ("dt", _epoch_seconds("2026-11-01T10:00:05"), 2),                      # DATETIME -> s
    ("ts", _epoch_seconds("2026-11-01T10:00:10"), 2),                      # TIMESTAMP -> s
])
def test_scalar_types_become_numbers(statistics: Any, path: str, mean: float, present: int) -> None:
    feature = _feature(statistics, path)
    assert feature.HasField("num_stats")
    assert feature.num_stats.mean == pytest.approx(mean)
    assert feature.num_stats.common_stats.num_non_missing == present
    assert feature.num_stats.common_stats.num_missing == 3 - present


def test_types_are_int_float_or_bytes(statistics: Any) -> None:
    from tensorflow_metadata.proto.v0 import statistics_pb2 as st

    kinds = {".".join(f.path.step): f.type for f in statistics.features}
    for path in ("i", "b", "d", "dt", "ts", "rep", "st.x"):
        assert kinds[path] == st.FeatureNameStatistics.INT, path
    for path in ("f", "n", "bn", "rst.x"):
        assert kinds[path] == st.FeatureNameStatistics.FLOAT, path
    for path in ("s", "st.y", "rst.tags"):
        assert kinds[path] == st.FeatureNameStatistics.STRING, path
    assert kinds["by"] in (st.FeatureNameStatistics.BYTES, st.FeatureNameStatistics.STRING)
    assert kinds["st"] == kinds["rst"] == st.FeatureNameStatistics.STRUCT


def test_strings_and_bytes(statistics: Any) -> None:
    text = _feature(statistics, "s").string_stats
    assert text.unique == 2
    assert text.common_stats.num_non_missing == 2
    raw = _feature(statistics, "by")
    common = raw.bytes_stats.common_stats if raw.HasField("bytes_stats") else \
        raw.string_stats.common_stats
    assert common.num_non_missing == 2


def test_repeated_field_is_a_list_feature(statistics: Any) -> None:
    rep = _feature(statistics, "rep").num_stats
    assert rep.mean == pytest.approx(2.5)  # values 1, 2, 3, 4
    # An empty REPEATED field is an empty list, not a missing value.
    assert rep.common_stats.num_non_missing == 3
    assert rep.common_stats.min_num_values == 0
    assert rep.common_stats.max_num_values == 3
    assert rep.common_stats.tot_num_values == 4


def test_struct_fields_are_nested_paths(statistics: Any) -> None:
    x = _feature(statistics, "st.x").num_stats
    assert x.mean == pytest.approx(20.0)
    assert x.common_stats.num_non_missing == 2  # the NULL struct has no st.x
    y = _feature(statistics, "st.y").string_stats
    assert y.common_stats.num_non_missing == 1  # NULL y in the second row
    assert _feature(statistics, "st").struct_stats.common_stats.num_non_missing == 2


def test_repeated_record_children(statistics: Any) -> None:
    x = _feature(statistics, "rst.x").num_stats
    assert x.mean == pytest.approx(3.0)  # 1, 3, 5 over three records
    assert x.common_stats.tot_num_values == 3
    tags = _feature(statistics, "rst.tags").string_stats
    assert tags.common_stats.tot_num_values == 3  # a, b, c
    assert tags.unique == 3
    record = _feature(statistics, "rst").struct_stats.common_stats
    assert record.tot_num_values == 3
    assert record.max_num_values == 2
