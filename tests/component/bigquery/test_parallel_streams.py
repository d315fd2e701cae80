"""Several Storage Read streams read in parallel give every row exactly once, and the number of
streams is in the log (the benchmark's path, on a smaller table)."""

from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.support.bigquery import Emulator

ROWS = 300_000  # the emulator cuts streams at 100k rows: 3 streams


def test_rows_come_once_through_several_streams(bq_emulator: Emulator,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from tests.bench.bigquery import bench_table
    from tests.support.bq_emulator import load_arrow
    from validator.config.job import BigQuerySource
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    clients = bq_emulator.clients()
    clients.bigquery.create_dataset(f"{clients.project}.dqv_streams", exists_ok=True)
    table = bench_table(ROWS)
    load_arrow(clients, "dqv_streams.events", table, partition_field=None)

    source = BigQueryTableSource(BigQuerySource(kind="bigquery", table="dqv_streams.events",
                                                max_streams=4), clients)
    stats = ReadStats()
    with caplog.at_level(logging.INFO, logger="dqv"):
        batches = list(source.read(None, stats))
    assert stats.extra["streams"] == 3
    assert "with 3 Storage Read stream(s)" in caplog.text
    assert stats.rows == ROWS == sum(b.num_rows for b in batches)
    read = pa.Table.from_batches(batches)
    assert read.schema.names == table.schema.names
    # Same multiset of rows: the ids and the integer sums match what was loaded.
    assert sorted(read.column("s2").to_pylist()) == sorted(table.column("s2").to_pylist())
    for name in ("i0", "i1", "i2"):
        assert pc.sum(read.column(name)).as_py() == pc.sum(table.column(name)).as_py()
    assert stats.bytes_read > 0
