"""One `make bench` measurement, run in its own process so its peak memory is its own.

    python -m tests.bench.child ENGINE PARQUET_FILE SHAPE

prints one JSON line: {"seconds": …, "engine_cpu_s": …, "rows": …, …}. `seconds` is the engine's
work end to end from the Parquet file (read, convert, statistics), without the interpreter and
TensorFlow start that every TFDV engine pays alike; `engine_cpu_s` is the CPU time of the same
span, summed over this process's threads and the worker processes it waited for. The fast
engine and the DuckDB peers never import TensorFlow (so their memory figures are their own).
"""

from __future__ import annotations

import json
import pathlib
import resource
import sys
import time
from types import TracebackType
from typing import Any

ENGINES = ("reference", "fast", "fast-1", "local", "local-1", "beam", "beam-multiprocess",
           "beam-tfdv-defaults", "beam-notes-setup", "duckdb", "floor")
# Engines that never import TensorFlow: measured without it, so their memory is their own.
TF_FREE = ("fast", "fast-1", "duckdb", "floor")


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) and of the children it has waited for."""
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU seconds of a `with` block."""

    def __enter__(self) -> _Clock:
        self.seconds, self.cpu_s = time.perf_counter(), _cpu_s()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.seconds, self.cpu_s = time.perf_counter() - self.seconds, _cpu_s() - self.cpu_s

    def figures(self) -> dict[str, float]:
        return {"seconds": self.seconds, "engine_cpu_s": round(self.cpu_s, 2)}


def _source(path: str, shape: Any) -> tuple[Any, Any]:
    from tests.bench.data import schema_for
    from validator.config.job import LocalSource
    from validator.sources.local import LocalFileSource

    schema = schema_for(shape)
    source = LocalFileSource(LocalSource(kind="local", path=path, format="parquet"),
                             pathlib.Path("."), frozenset(f.name for f in schema.feature))
    return source, schema


def _reference(path: str) -> dict[str, Any]:
    """`tfdv.generate_statistics_from_dataframe` with TFDV's defaults (n_jobs=1), on the same
    rows read into pandas. Reading is timed apart, so both ratios can be shown."""
    import pyarrow.parquet as pq

    from validator.stats.tfdv_runtime import import_tfdv

    tfdv = import_tfdv()
    with _Clock() as read:
        frame = pq.read_table(path).to_pandas()
    with _Clock() as clock:
        stats = tfdv.generate_statistics_from_dataframe(frame)
    return {**clock.figures(), "read_seconds": read.seconds, "rows": len(frame),
            "examples": int(stats.datasets[0].num_examples),
            "note": "list columns are dropped by TFDV's dataframe path"}


def _beam_notes_setup(path: str, shape: Any) -> dict[str, Any]:
    """The measurement in the project notes (7k rows/s): TFDV's default StatsOptions over
    prebuilt 10k-row RecordBatches handed to the pipeline with `beam.Create`."""
    import apache_beam as beam
    import pyarrow.parquet as pq

    from tests.bench.data import schema_for
    from validator.stats.convert import BatchConverter
    from validator.stats.tfdv_runtime import import_tfdv

    tfdv = import_tfdv()
    converter = BatchConverter(schema_for(shape))
    batches = [converter.convert(b) for b in pq.ParquetFile(path).iter_batches(batch_size=10_000)]
    with _Clock() as clock, beam.Pipeline(runner="DirectRunner") as pipeline:
        _ = pipeline | beam.Create(batches) | tfdv.GenerateStatistics(tfdv.StatsOptions())
    return {**clock.figures(), "rows": sum(b.num_rows for b in batches)}


def _beam_tfdv_defaults(path: str, shape: Any) -> dict[str, Any]:
    """TFDV's default StatsOptions (no sketch top-k), 10k-row batches streamed from a read
    step: the Beam path before dqv's options."""
    import apache_beam as beam
    import pyarrow.parquet as pq

    from tests.bench.data import schema_for
    from validator.stats.convert import BatchConverter
    from validator.stats.tfdv_runtime import import_tfdv

    tfdv = import_tfdv()
    schema = schema_for(shape)

    def read(file: str) -> Any:
        converter = BatchConverter(schema)
        for batch in pq.ParquetFile(file).iter_batches(batch_size=10_000):
            yield converter.convert(batch)

    with _Clock() as clock, beam.Pipeline(runner="DirectRunner") as pipeline:
        _ = (pipeline | beam.Create([path]) | beam.FlatMap(read)
             | tfdv.GenerateStatistics(tfdv.StatsOptions(schema=schema,
                                                         infer_type_from_schema=True)))
    rows = pq.ParquetFile(path).metadata.num_rows
    return {**clock.figures(), "rows": rows}


def _engine(name: str, path: str, shape: Any) -> dict[str, Any]:
    from validator.engines.progress import Progress
    from validator.sources.base import ReadStats

    source, schema = _source(path, shape)
    engine: Any
    if name.startswith("fast"):
        from validator.engines.fast import FastEngine

        engine = FastEngine(workers=1) if name == "fast-1" else FastEngine()
    elif name.startswith("local"):
        from validator.engines.local import LocalEngine

        engine = LocalEngine(workers=1) if name == "local-1" else LocalEngine()
    else:
        from validator.engines.beam import BeamEngine

        options = ("--direct_running_mode=multi_processing", "--direct_num_workers=2") \
            if name == "beam-multiprocess" else ()
        engine = BeamEngine(options)
    read = ReadStats()
    with _Clock() as clock:
        stats = engine.compute(source, source.plan(None), schema, read,
                               Progress(name, enabled=False))
    return {**clock.figures(), "rows": read.rows,
            "examples": int(stats.datasets[0].num_examples)}


def _peer(name: str, path: str) -> dict[str, Any]:
    """DuckDB's same-aggregates query, or its decoding floor (tests/bench/peers.py)."""
    import pyarrow.parquet as pq

    from tests.bench import peers

    run = peers.duckdb_tfdvlike if name == "duckdb" else peers.decoding_floor
    with _Clock() as clock:
        run(path)
    return {**clock.figures(), "rows": pq.ParquetFile(path).metadata.num_rows}


def measure(name: str, path: str, shape_text: str) -> dict[str, Any]:
    from tests.bench.data import Shape

    if name not in TF_FREE:
        from validator.stats.tfdv_runtime import import_tfdv

        import_tfdv()  # paid before the clock starts, by every TFDV engine alike
    shape = Shape.parse(shape_text)
    if name in ("duckdb", "floor"):
        return _peer(name, path)
    if name == "reference":
        return _reference(path)
    if name == "beam-notes-setup":
        return _beam_notes_setup(path, shape)
    if name == "beam-tfdv-defaults":
        return _beam_tfdv_defaults(path, shape)
    return _engine(name, path, shape)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ENGINES:
        print(f"usage: python -m tests.bench.child {{{','.join(ENGINES)}}} FILE SHAPE",
              file=sys.stderr)
        return 2
    print(json.dumps(measure(*argv)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
