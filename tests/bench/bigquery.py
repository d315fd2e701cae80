"""Benchmark of the BigQuery read path: N rows x 12 columns loaded into the local emulator,
then read by dqv's BigQuery source through the Storage Read API with several streams in
parallel, and once more with one stream for comparison. `make bench` calls
`bench_bigquery_read(rows)` (tests/bench/main.py); alone:

    python -m tests.bench.bigquery [--rows 1000000] [--streams 4]

The emulator (scripts/bq-emulator.sh) runs in its own process on loopback and is stopped by PID.
Figures come from this machine and an emulator on DuckDB, not from BigQuery itself.
"""

from __future__ import annotations

import argparse
import json
import logging
import pathlib
import shutil
import sys
import tempfile
import time
from typing import Any

import numpy as np
import pyarrow as pa

log = logging.getLogger("dqv")
DATASET = "dqv_bench"
PROJECT = "dqv-bench"


def bench_table(rows: int, seed: int = 7) -> pa.Table:
    """12 columns: 6 FLOAT64, 3 INT64, 3 STRING (two categorical, one near-unique id)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for i in range(6):
        values = rng.normal(100.0, 15.0, rows)
        columns[f"f{i}"] = pa.array(values, mask=rng.random(rows) < 0.01)
    for i in range(3):
        columns[f"i{i}"] = pa.array(rng.integers(0, 1_000_000, rows))
    categories = np.array([f"cat_{n:02d}" for n in range(50)])
    columns["s0"] = pa.array(categories[rng.integers(0, 50, rows)])
    columns["s1"] = pa.array(categories[rng.integers(0, 20, rows)])
    columns["s2"] = pa.array(np.char.add("id_", rng.integers(0, rows * 10, rows).astype(str)))
    return pa.table(columns)


def _read(clients: Any, streams: int) -> dict[str, Any]:
    from validator.config.job import BigQuerySource
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    source = BigQueryTableSource(BigQuerySource(kind="bigquery", table=f"{DATASET}.events",
                                                max_streams=streams), clients)
    stats = ReadStats()
    start = time.monotonic()
    for _ in source.read(None, stats):
        pass
    seconds = time.monotonic() - start
    return {"streams": stats.extra["streams"], "seconds": round(seconds, 3),
            "rows_per_s": round(stats.rows / seconds), "rows": stats.rows,
            "mb_read": round(stats.bytes_read / 1e6, 1)}


def _ensure_logging() -> None:
    # The source logs the stream count at INFO; make it visible when nothing else set up logging.
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("dqv: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)


def bench_bigquery_read(rows: int, streams: int = 4) -> dict[str, Any]:
    """Load `rows` x 12 columns into a fresh emulator and time dqv's Storage Read."""
    from tests.support import bq_emulator

    _ensure_logging()
    workdir = tempfile.mkdtemp(prefix="dqv-bench-bq-")
    emulator = bq_emulator.start(pathlib.Path(workdir), PROJECT)
    try:
        clients: Any = emulator.clients()
        clients.bigquery.create_dataset(f"{PROJECT}.{DATASET}", exists_ok=True)
        table = bench_table(rows)
        start = time.monotonic()
        bq_emulator.load_arrow(clients, f"{DATASET}.events", table, partition_field=None)
        load_s = time.monotonic() - start
        parallel = _read(clients, streams)
        single = _read(clients, 1)
    finally:
        bq_emulator.stop(emulator)
        shutil.rmtree(workdir, ignore_errors=True)
    return {"rows": rows, "columns": table.num_columns, "load_s": round(load_s, 2),
            "streams": parallel["streams"], "read_s": parallel["seconds"],
            "rows_per_s": parallel["rows_per_s"], "mb_read": parallel["mb_read"],
            "one_stream_read_s": single["seconds"], "one_stream_rows_per_s": single["rows_per_s"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bigquery",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=4)
    args = parser.parse_args(argv)
    result = bench_bigquery_read(args.rows, args.streams)
    print(f"BigQuery emulator, Storage Read API: {result['rows']:,} rows x {result['columns']} "
          f"columns in {result['read_s']:.2f} s with {result['streams']} streams = "
          f"{result['rows_per_s']:,} rows/s (one stream: {result['one_stream_rows_per_s']:,} "
          f"rows/s)")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
