"""Benchmark of the BigQuery paths: N rows x 12 columns loaded into the local emulator, then
read by dqv's BigQuery source through the Storage Read API with several streams in parallel,
and once more with one stream for comparison. `make bench` calls
`bench_bigquery_read(rows, engines=True)` (tests/bench/main.py), which also compares the
engines on the same loaded table; alone:

    python -m tests.bench.bigquery [--rows 1000000] [--streams 4]
    python -m tests.bench.bigquery --engines [--rows 1000000]   # warehouse vs Storage Read

The engines comparison computes the table's statistics three times: with the warehouse engine
(BigQuery's SQL; no row leaves the server), and over a Storage Read session (the rows move)
with the fast core and with the local engine, and reports time, rows and bytes moved, and bytes
scanned as the server reports them (the emulator's dry runs and jobs always say 0; BigQuery's
are what is billed).

The emulator (scripts/bq-emulator.sh) runs in its own process on loopback and is stopped by PID.
Figures come from this machine and an emulator on DuckDB, not from BigQuery itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import pathlib
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def _loaded_emulator(table: pa.Table) -> Iterator[tuple[Any, float]]:
    """A fresh emulator holding `table` as dqv_bench.events: (clients, load seconds); stopped
    by PID afterwards."""
    from tests.support import bq_emulator

    _ensure_logging()
    workdir = tempfile.mkdtemp(prefix="dqv-bench-bq-")
    emulator = bq_emulator.start(pathlib.Path(workdir), PROJECT)
    try:
        clients: Any = emulator.clients()
        clients.bigquery.create_dataset(f"{PROJECT}.{DATASET}", exists_ok=True)
        start = time.monotonic()
        bq_emulator.load_arrow(clients, f"{DATASET}.events", table, partition_field=None)
        yield clients, time.monotonic() - start
    finally:
        bq_emulator.stop(emulator)
        shutil.rmtree(workdir, ignore_errors=True)


def bench_bigquery_read(rows: int, streams: int = 4, engines: bool = False) -> dict[str, Any]:
    """Load `rows` x 12 columns into a fresh emulator and time dqv's Storage Read; with
    `engines`, also the statistics engines on the same loaded table (`make bench`)."""
    table = bench_table(rows)
    with _loaded_emulator(table) as (clients, load_s):
        parallel = _read(clients, streams)
        single = _read(clients, 1)
        compared = _engines(clients, rows) if engines else {}
    return {"rows": rows, "columns": table.num_columns, "load_s": round(load_s, 2),
            "streams": parallel["streams"], "read_s": parallel["seconds"],
            "rows_per_s": parallel["rows_per_s"], "mb_read": parallel["mb_read"],
            "one_stream_read_s": single["seconds"], "one_stream_rows_per_s": single["rows_per_s"],
            **compared}


def bench_schema() -> Any:
    """The TFDV schema of bench_table: f* FLOAT, i* INT, s* BYTES."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    for name, kind in [*((f"f{i}", schema_pb2.FLOAT) for i in range(6)),
                       *((f"i{i}", schema_pb2.INT) for i in range(3)),
                       *((f"s{i}", schema_pb2.BYTES) for i in range(3))]:
        schema.feature.add(name=name, type=kind)
    return schema


def _engine_run(clients: Any, engine: Any) -> dict[str, Any]:
    from validator.config.job import BigQuerySource
    from validator.engines.progress import Progress
    from validator.sources.base import ReadStats
    from validator.sources.bigquery.source import BigQueryTableSource

    source = BigQueryTableSource(BigQuerySource(kind="bigquery", table=f"{DATASET}.events"),
                                 clients)
    read = ReadStats()
    start = time.monotonic()
    statistics = engine.compute(source, source.plan(None), bench_schema(), read,
                                Progress("bench", enabled=False))
    seconds = time.monotonic() - start
    assert statistics.datasets[0].num_examples == read.rows
    extra = read.extra
    moved = 1 + sum(len(f.string_stats.rank_histogram.buckets)
                    for f in statistics.datasets[0].features) if engine.name == "warehouse" \
        else read.rows
    return {"seconds": round(seconds, 2), "rows": read.rows, "rows_moved": moved,
            "mb_moved": round(read.bytes_read / 1e6, 1),
            "bytes_scanned": int(extra.get("bytes_processed", extra.get(
                "estimated_bytes_scanned", 0)) or 0),
            "query_jobs": len(extra.get("query_job_ids", [])),  # type: ignore[arg-type]
            "read_streams": extra.get("streams", 0)}


def _engines(clients: Any, rows: int) -> dict[str, Any]:
    """The table's statistics by the warehouse engine, and by Storage Read + the fast core and
    + the local engine (TFDV's generators)."""
    from validator.engines.fast import FastEngine
    from validator.engines.local import LocalEngine
    from validator.engines.warehouse import WarehouseEngine

    warehouse = _engine_run(clients, WarehouseEngine())
    fast = _engine_run(clients, FastEngine())
    local = _engine_run(clients, LocalEngine())
    # Where the warehouse engine's time goes on the emulator: its APPROX_QUANTILES is a
    # DuckDB macro (exact quantile_disc over a list built per row) whose cost grows with
    # the number of quantiles; BigQuery's does not work that way.
    quantiles = {n: _query_seconds(clients, f"SELECT APPROX_QUANTILES(f0, {n}) FROM "
                                            f"`{PROJECT}.{DATASET}.events`") for n in (10, 1000)}
    return {"warehouse": warehouse, "storage_read_fast": fast, "storage_read_local": local,
            "speedup": round(local["seconds"] / max(warehouse["seconds"], 1e-9), 2),
            "emulator_one_column_quantiles_s": quantiles}


def bench_bigquery_engines(rows: int) -> dict[str, Any]:
    """Statistics of `rows` x 12 columns in a fresh emulator: warehouse vs Storage Read."""
    with _loaded_emulator(bench_table(rows)) as (clients, load_s):
        return {"rows": rows, "columns": 12, "load_s": round(load_s, 2),
                **_engines(clients, rows)}


def engines_line(figures: dict[str, Any]) -> str:
    """One line: the warehouse engine vs Storage Read + the fast core / the local engine."""
    wh, fast, local = (figures[k] for k in ("warehouse", "storage_read_fast",
                                            "storage_read_local"))
    return (f"BigQuery emulator, {figures['rows']:,} rows x 12 columns: warehouse engine "
            f"{wh['seconds']:.1f} s ({wh['query_jobs']} query jobs, {wh['rows_moved']:,} result "
            f"rows moved) vs Storage Read + fast {fast['seconds']:.1f} s, + local "
            f"{local['seconds']:.1f} s ({local['rows_moved']:,} rows, {local['mb_moved']:,} MB "
            f"moved); emulator APPROX_QUANTILES of one column: "
            + ", ".join(f"{n} quantiles {t} s" for n, t in
                        figures["emulator_one_column_quantiles_s"].items()))


def _query_seconds(clients: Any, sql: str) -> float:
    start = time.monotonic()
    list(clients.bigquery.query(sql).result())
    return round(time.monotonic() - start, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bigquery",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--engines", action="store_true",
                        help="compare engine: warehouse with Storage Read + the local engine")
    args = parser.parse_args(argv)
    if args.engines:
        figures = bench_bigquery_engines(args.rows)
        print(engines_line(figures))
        print(json.dumps(figures, indent=2))
        return 0
    result = bench_bigquery_read(args.rows, args.streams)
    print(f"BigQuery emulator, Storage Read API: {result['rows']:,} rows x {result['columns']} "
          f"columns in {result['read_s']:.2f} s with {result['streams']} streams = "
          f"{result['rows_per_s']:,} rows/s (one stream: {result['one_stream_rows_per_s']:,} "
          f"rows/s)")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
