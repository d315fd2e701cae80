"""BigQuery going away in the middle of a read ends the read with one clear error within
`timeout_seconds` (the Storage Read client would otherwise keep reconnecting for a day)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from tests.support import bq_emulator
from validator.errors import DataError


def test_server_dying_after_the_session_opened(tmp_path: pathlib.Path) -> None:
    from tests.bench.bigquery import bench_table
    from validator.config.job import BigQuerySource
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    # Its own emulator: this test kills it.
    emulator = bq_emulator.start(tmp_path, "dqv-dies")
    try:
        clients: Any = emulator.clients()
        clients.bigquery.create_dataset("dqv-dies.d", exists_ok=True)
        bq_emulator.load_arrow(clients, "d.t", bench_table(1_000), partition_field=None)

        class DiesBeforeStreams(BigQueryTableSource):
            def _read_streams(self, names: list[str], schema: pa.Schema,
                              stats: ReadStats) -> Iterator[pa.RecordBatch]:
                bq_emulator.stop(emulator)  # the session exists; the server is now gone
                return super()._read_streams(names, schema, stats)

        source = DiesBeforeStreams(BigQuerySource(kind="bigquery", table="d.t",
                                                  timeout_seconds=3), clients)
        # Without the bounded reconnect this call would not return (the client's default).
        with pytest.raises(DataError) as err:
            list(source.read(None, ReadStats()))
        assert str(err.value).startswith(f"BigQuery at {emulator.rest_url} stopped answering "
                                         "while reading")
        assert "run the job again" in str(err.value)
    finally:
        bq_emulator.stop(emulator)
