"""The fast engine: TFDV's statistics from dqv's own vectorized core, on every core, no TensorFlow.

Same shards and fork model as the local engine (engines/shards.py, engines/workers.py): the
partition is split into Parquet row groups (or files), each worker process reads its shard and
folds whole Arrow batches into the fast core (validator/stats/fast_stats.py), the main process
merges the workers' accumulators and builds TFDV's DatasetFeatureStatisticsList once.

Why it is faster than TFDV's generators: no per-value sketch. Moments, zeros, min/max and
string lengths are single numpy/pyarrow passes; quantiles come from a small uniform sample
(exact up to 2**17 values per feature); top values and uniques from per-batch hash counts.
What it does not handle (STRUCT features, image/natural-language domains, nested lists), it
hands to the local engine (TFDV's generators) before reading, and says so in the run record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import pyarrow as pa
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.engines.progress import Progress
from validator.engines.shards import LocalShard, Shard, split_source
from validator.engines.workers import (
    count_files,
    default_min_parallel_rows,
    default_workers,
    run_workers,
    shard_rows,
)
from validator.errors import DqvError
from validator.sources.base import ReadStats, Source
from validator.sources.local import LocalFileSource
from validator.stats.fast_stats import FastStatistics, unsupported, unsupported_column

log = logging.getLogger("dqv")


def _worker(index: int, shard: Shard, schema: schema_pb2.Schema, results: Any) -> None:
    """Runs in a forked process: read one shard, fold it, send back the accumulators."""
    read = ReadStats()
    try:
        core = FastStatistics(schema, seed=index)
        for batch in shard.read(read):
            core.add(batch)
            results.put(("progress", index, batch.num_rows))
        results.put(("done", index, (core, read)))
    except DqvError as err:
        results.put(("error", index, str(err)))
    except BaseException as err:  # the parent must hear about any failure
        results.put(("error", index, f"worker failed ({err.__class__.__name__}: {err})"))


def _nested_columns(source: Source, ds: dt.date | None) -> str | None:
    """A nested column in the partition's Parquet files (footers only), or None."""
    if not isinstance(source, LocalFileSource):
        return None
    import pyarrow.parquet as pq

    for file in source.files(ds):
        if source._format(file) != "parquet":
            continue
        try:
            fields: list[pa.Field] = list(pq.read_schema(file))
        except (pa.ArrowInvalid, OSError):
            return None  # reading it will report the problem in full
        for field in fields:
            reason = unsupported_column(field)
            if reason:
                return reason
    return None


def _warm_up() -> None:
    """Run the core once on a tiny batch before forking: pyarrow 10 imports pandas lazily on
    its first take/cast/to_numpy (~0.4 s of CPU; the core itself never uses pandas), and
    numpy/pyarrow load their kernels on first use. Paid here once, every worker inherits it."""
    core = FastStatistics(schema_pb2.Schema())
    core.add(pa.RecordBatch.from_pydict({"n": [1.0, None], "s": ["a", None],
                                         "l": [[1], None]}))
    core.result()


# A dictionary page this small means few distinct values: reading the column as an Arrow
# dictionary skips building its strings, and the core counts codes instead of hashing text.
# (A column with a big dictionary, e.g. ids, would make pyarrow build one: slower, not wrong.)
DICTIONARY_PAGE_BYTES = 64 * 1024


def _small_dictionaries(shard: LocalShard, schema: schema_pb2.Schema) -> tuple[str, ...]:
    """Text columns whose Parquet dictionary pages are small in every row group of the shard."""
    import pyarrow.parquet as pq

    wanted = {f.name for f in schema.feature if f.type == schema_pb2.BYTES}
    found: set[str] | None = None
    for part in shard.parts:
        try:
            meta = pq.ParquetFile(part.file).metadata
        except (pa.ArrowInvalid, OSError):
            return ()
        groups = part.row_groups if part.row_groups is not None else range(meta.num_row_groups)
        for group in groups:
            row_group = meta.row_group(group)
            small = set()
            for j in range(row_group.num_columns):
                column = row_group.column(j)
                name = column.path_in_schema
                if name in wanted and column.physical_type == "BYTE_ARRAY" and \
                        column.has_dictionary_page and column.dictionary_page_offset is not None \
                        and column.data_page_offset - column.dictionary_page_offset \
                        <= DICTIONARY_PAGE_BYTES:
                    small.add(name)
            found = small if found is None else found & small
    return tuple(sorted(found or ()))


@dataclasses.dataclass
class FastEngine:
    """Statistics on this machine from the fast core; `workers` processes (default: one per
    core)."""

    workers: int = dataclasses.field(default_factory=default_workers)
    min_parallel_rows: int = dataclasses.field(default_factory=default_min_parallel_rows)
    name: str = "fast"

    def compute(self, source: Source, ds: dt.date | None, schema: schema_pb2.Schema,
                read: ReadStats, progress: Progress) -> statistics_pb2.DatasetFeatureStatisticsList:
        reason = unsupported(schema) or _nested_columns(source, ds)
        if reason:
            log.info("fast engine: %s; computing with TFDV's generators (engine local)", reason)
            read.extra["fast_fallback"] = reason
            from validator.engines.local import LocalEngine

            return LocalEngine(self.workers, self.min_parallel_rows).compute(
                source, ds, schema, read, progress)
        shards = split_source(source, ds, self.workers) if self.workers > 1 else None
        if not shards or len(shards) < 2 or shard_rows(shards) < self.min_parallel_rows:
            read.extra["workers"] = 1
            core = FastStatistics(schema)
            for batch in source.read(ds, read):
                core.add(batch)
                progress.update(batch.num_rows, read.bytes_read - progress.bytes)
            return _finish(core)
        read.extra["workers"] = len(shards)
        log.debug("fast engine: %d workers", len(shards))
        shards = [dataclasses.replace(s, dictionary=_small_dictionaries(s, schema))
                  if isinstance(s, LocalShard) and s.source.config.format != "csv" else s
                  for s in shards]
        _warm_up()
        partials = run_workers(_worker, shards, (schema,), __name__, progress, "fast")
        core = partials[0][0]
        core.merge(p[0] for p in partials[1:])
        for _, part in partials:
            read.rows += part.rows
            read.uri = read.uri or part.uri
        if all(isinstance(s, LocalShard) for s in shards):
            count_files(read, shards)
        return _finish(core)


def _finish(core: FastStatistics) -> statistics_pb2.DatasetFeatureStatisticsList:
    from validator.stats.invalid import attach_invalid_values

    statistics = core.result()
    attach_invalid_values(statistics, core.invalid_values())
    return statistics
