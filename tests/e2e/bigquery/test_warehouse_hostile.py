"""`engine: warehouse` against the emulator with hostile column names and values (quotes,
backticks, backslashes, `'); DROP TABLE`, unicode): the statistics are the data's, the values
that do not parse are counted as the local engine counts them, and nothing but the statistics
queries ran (the table is still there, unchanged). Bounded: 25 examples.

Also: the cap rule inside the engine, on a made-up dry-run figure (the emulator's dry runs always
say 0 bytes): refused before any job runs.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.bigquery.jobs import partitioned_source
from tests.support.bigquery import DATASET, Emulator
from tests.support.bq_emulator import load_arrow

TABLE = f"{DATASET}.hostile"
NASTY = ["'); DROP TABLE dqv_sample.training_events; --", "`", "\\`", "'", '"', "\\", "é€😀",
         "a`b'c\"d", "--", "/*", "*/", " "]
NAME_CHARS = [*"`'\"\\;)(-_ aZ9", "é", "€", "😀", "ß"]
names = st.text(alphabet=st.sampled_from(NAME_CHARS), min_size=1, max_size=12)
texts = st.one_of(st.none(), st.sampled_from(NASTY), st.text(max_size=8),
                  st.integers(-10**6, 10**6).map(lambda i: f" +{i} " if i > 0 else str(i)))


def _schema(text_name: str, int_name: str) -> Any:
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    schema.feature.add(name=text_name, type=schema_pb2.BYTES)
    schema.feature.add(name=int_name, type=schema_pb2.INT)
    return schema


def _compute(emulator: Emulator, source: dict[str, Any], schema: Any,
             ds: dt.date | None = None, engine: Any = None) -> tuple[Any, Any]:
    from validator.config.job import BigQuerySource
    from validator.engines.progress import Progress
    from validator.engines.warehouse import WarehouseEngine
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    read = ReadStats()
    bq = BigQueryTableSource(BigQuerySource(kind="bigquery", **source), emulator.clients())
    statistics = (engine or WarehouseEngine()).compute(bq, bq.plan(ds), schema, read,
                                                       Progress("test", enabled=False))
    return statistics, read


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_name=names, values=st.lists(texts, min_size=1, max_size=30),
       numbers=st.lists(texts, min_size=1, max_size=30))
def test_hostile_names_and_values(bq_emulator: Emulator, text_name: str, values: list[str | None],
                                  numbers: list[str | None]) -> None:
    from validator.stats.convert import BatchConverter

    int_name = text_name + "_n"  # another column, also hostile
    rows = min(len(values), len(numbers))
    values, numbers = values[:rows], numbers[:rows]
    table = pa.table({text_name: pa.array(values, pa.string()),
                      int_name: pa.array(numbers, pa.string())})
    clients: Any = bq_emulator.clients()
    load_arrow(clients, TABLE, table, partition_field=None)
    schema = _schema(text_name, int_name)

    statistics, read = _compute(bq_emulator, {"table": TABLE}, schema)

    assert read.rows == rows
    by_name = {f.path.step[0]: f for f in statistics.datasets[0].features}
    assert set(by_name) == {text_name, int_name}
    text = by_name[text_name].string_stats
    present = [v for v in values if v is not None]
    assert text.common_stats.num_non_missing == len(present)
    counts = collections.Counter(present)
    assert text.unique == len(counts)
    assert [(b.label, b.sample_count) for b in text.rank_histogram.buckets] == \
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))
    if present:
        assert text.avg_length == pytest.approx(sum(len(v.encode()) for v in present)
                                                / len(present))
    # The INT column typed from text: parsed and counted as the local engine does.
    converter = BatchConverter(schema)
    converted = converter.convert(table.to_batches()[0])
    local_missing = converted.column(1).null_count
    feature = by_name[int_name]
    custom = {c.name: c for c in feature.custom_stats}
    invalid = converter.invalid_values().get(int_name)
    assert int(custom["dqv_invalid_values"].num if custom else 0) == (invalid.count if invalid
                                                                      else 0)
    assert feature.num_stats.common_stats.num_missing == local_missing
    # Nothing else ran: the sample table is still there, whole.
    assert clients.bigquery.get_table(f"{clients.project}.{DATASET}.training_events").num_rows \
        == 22000


def test_cap_refuses_before_any_job(bq_emulator: Emulator) -> None:
    """A made-up dry-run figure (the emulator's are 0) above the cap: DataError (exit 2 in a
    run), and no statistics job was started."""
    from validator.engines.warehouse import WarehouseEngine
    from validator.errors import DataError

    class BigEstimate(WarehouseEngine):
        def _dry_run(self, source: Any, sql: str, params: Any) -> int:
            super()._dry_run(source, sql, params)  # the real dry run still runs (and passes)
            return 3_000_000

    engine = BigEstimate()
    source = partitioned_source(maximum_bytes_billed=5_000_000)
    with pytest.raises(DataError, match=r"the warehouse statistics queries would bill 6,000,000 "
                                        r"bytes \(6.0 MB\), above source.maximum_bytes_billed = "
                                        r"5,000,000"):
        _compute(bq_emulator, source, _schema("country", "age"), dt.date(2026, 11, 3), engine)
    assert engine.job_ids == []


def test_repeated_fields_number_of_values(bq_emulator: Emulator) -> None:
    """REPEATED columns: present, missing and the number of values per row (ARRAY_LENGTH) as
    the local engine counts them from the same rows (an empty array is present, 0 values)."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    from validator.stats.accumulate import compute_statistics
    from validator.stats.convert import BatchConverter

    table = pa.table({"tags": pa.array([["a", "b"], [], ["c"], ["a", "a", "d"]],
                                       pa.list_(pa.string())),
                      "scores": pa.array([[1, 2, 3], [4], [], [5, 6]], pa.list_(pa.int64()))})
    clients: Any = bq_emulator.clients()
    load_arrow(clients, f"{DATASET}.repeated", table, partition_field=None)
    assert [f.mode for f in clients.bigquery.get_table(
        f"{clients.project}.{DATASET}.repeated").schema] == ["REPEATED", "REPEATED"]
    schema = schema_pb2.Schema()
    schema.feature.add(name="tags", type=schema_pb2.BYTES)
    schema.feature.add(name="scores", type=schema_pb2.INT)

    statistics, _ = _compute(bq_emulator, {"table": f"{DATASET}.repeated"}, schema)

    local = compute_statistics([BatchConverter(schema).convert(table.to_batches()[0])], schema)
    expected = {f.path.step[0]: f for f in local.datasets[0].features}
    for feature in statistics.datasets[0].features:
        mine = getattr(feature, feature.WhichOneof("stats")).common_stats
        theirs = getattr(expected[feature.path.step[0]],
                         expected[feature.path.step[0]].WhichOneof("stats")).common_stats
        for field in ("num_non_missing", "num_missing", "min_num_values", "max_num_values",
                      "tot_num_values", "avg_num_values"):
            assert getattr(mine, field) == pytest.approx(getattr(theirs, field)), field
