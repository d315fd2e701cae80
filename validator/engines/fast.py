"""The fast engine: TFDV's statistics from dqv's own vectorized core, on every core, no TensorFlow.

Same shards and fork model as the local engine (sources/local_split.py, engines/workers.py): the
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
import itertools
import logging
from typing import Any

import pyarrow as pa
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.engines.progress import Progress
from validator.engines.workers import (
    count_files,
    default_min_parallel_rows,
    default_workers,
    run_workers,
    split_plan,
)
from validator.errors import DqvError
from validator.sources.base import ReadStats, Shard, Source, SourcePlan
from validator.stats.fast_stats import FastStatistics, unsupported, unsupported_column

log = logging.getLogger("dqv")


def _worker(index: int, shard: Shard, schema: schema_pb2.Schema, results: Any) -> None:
    """Runs in a forked process: read one shard, fold it, send back the accumulators."""
    read = ReadStats()
    # One process per core already: Arrow's own decoding threads would only contend with the
    # other workers (and cost system time switching), so each worker decodes on its own thread.
    pa.set_cpu_count(1)
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


def _nested_columns(plan: SourcePlan) -> str | None:
    """A nested column in the partition's Parquet files (from the footers the plan read), or
    None."""
    for part in plan.parts:
        if part.metadata is None:
            continue
        for field in part.metadata.schema.to_arrow_schema():
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


def _small_dictionaries(plan: SourcePlan, schema: schema_pb2.Schema) -> tuple[str, ...]:
    """Text columns whose Parquet dictionary pages are small in every row group of the plan
    (from the footers it read)."""
    wanted = {f.name for f in schema.feature if f.type == schema_pb2.BYTES}
    found: set[str] | None = None
    for part in plan.parts:
        meta = part.metadata
        if meta is None:
            return ()  # CSV, or a footer that did not read: nothing to gain
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


# Rows per batch: about BATCH_VALUES values (the per-batch cost of the core and of Parquet's
# reader is paid less often than with the sources' default of 65536 rows, while a batch of one
# column stays within a core's cache), never fewer rows than the default nor more than the cap.
BATCH_VALUES = 1 << 21
BATCH_ROWS = (1 << 16, 1 << 18)


def batch_rows(schema: schema_pb2.Schema, plan: SourcePlan) -> int:
    columns = len(schema.feature)
    if not columns and plan.parts and plan.parts[0].metadata is not None:
        columns = plan.parts[0].metadata.num_columns
    low, high = BATCH_ROWS
    return max(low, min(high, BATCH_VALUES // max(1, columns)))


@dataclasses.dataclass
class FastEngine:
    """Statistics on this machine from the fast core; `workers` processes (default: one per
    core)."""

    workers: int = dataclasses.field(default_factory=default_workers)
    min_parallel_rows: int = dataclasses.field(default_factory=default_min_parallel_rows)
    name: str = "fast"

    def _serial(self, source: Source, plan: SourcePlan, schema: schema_pb2.Schema,
                read: ReadStats, progress: Progress) -> statistics_pb2.DatasetFeatureStatisticsList:
        batches = iter(source.read(plan.ds, read, plan))
        first = next(batches, None)
        # A source without footers (BigQuery) shows its columns' types with its first batch.
        reason = _nested_in(first) if first is not None else None
        if reason and first is not None:
            log.info("fast engine: %s; computing with TFDV's generators (engine local)", reason)
            read.extra["fast_fallback"] = reason
            from validator.engines.local import fold_statistics

            return fold_statistics(itertools.chain([first], batches), schema, read, progress)
        core = FastStatistics(schema)
        for batch in itertools.chain([first] if first is not None else [], batches):
            core.add(batch)
            progress.update(batch.num_rows, read.bytes_read - progress.bytes)
        return _finish(core)

    def compute(self, source: Source, plan: SourcePlan, schema: schema_pb2.Schema,
                read: ReadStats, progress: Progress) -> statistics_pb2.DatasetFeatureStatisticsList:
        reason = unsupported(schema) or _nested_columns(plan)
        if reason:
            log.info("fast engine: %s; computing with TFDV's generators (engine local)", reason)
            read.extra["fast_fallback"] = reason
            from validator.engines.local import LocalEngine

            return LocalEngine(self.workers, self.min_parallel_rows).compute(
                source, plan, schema, read, progress)
        plan = dataclasses.replace(plan, batch_rows=batch_rows(schema, plan))
        shards = split_plan(source, plan, self.workers, self.min_parallel_rows)
        if shards is None:
            read.extra["workers"] = 1
            return self._serial(source, plan, schema, read, progress)
        read.extra["workers"] = len(shards)
        log.debug("fast engine: %d workers", len(shards))
        # The source reads these text columns as Arrow dictionaries; the core counts codes.
        dictionary = _small_dictionaries(plan, schema)
        if dictionary:
            shards = source.split(dataclasses.replace(plan, dictionary_columns=dictionary),
                                  len(shards)) or shards
        _warm_up()
        partials = run_workers(_worker, shards, (schema,), __name__, progress, "fast")
        core = partials[0][0]
        core.merge(p[0] for p in partials[1:])
        for _, part in partials:
            read.rows += part.rows
            read.uri = read.uri or part.uri
        count_files(read, plan)
        return _finish(core)


def _nested_in(batch: pa.RecordBatch) -> str | None:
    return next((r for f in batch.schema if (r := unsupported_column(f)) is not None), None)


def _finish(core: FastStatistics) -> statistics_pb2.DatasetFeatureStatisticsList:
    from validator.stats.invalid import attach_invalid_values

    statistics = core.result()
    attach_invalid_values(statistics, core.invalid_values())
    return statistics
