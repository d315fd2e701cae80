"""TFDV statistics over a stream of record batches, and their files.

Uses TFDV's own combiner generators (the in-memory path of
`tfdv.generate_statistics_from_dataframe`): one accumulator per generator, each batch folded
in as it arrives, outputs extracted once at the end. Batches are never concatenated.
Importing this module imports TensorFlow (through TFDV); keep it off fast paths.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.errors import DataError
from validator.stats import STATS_FILE as STATS_FILE

# Defined once in TF-free modules; re-exported here for the readers of this module.
from validator.stats.invalid import INVALID_COUNT as INVALID_COUNT
from validator.stats.invalid import INVALID_EXAMPLES as INVALID_EXAMPLES
from validator.stats.invalid import INVALID_EXPECTED as INVALID_EXPECTED
from validator.stats.invalid import attach_invalid_values as attach_invalid_values
from validator.stats.tfdv_runtime import import_tfdv
from validator.stats.view import num_examples as num_examples

tfdv = import_tfdv()
from tensorflow_data_validation.statistics import stats_impl  # noqa: E402  (after the quiet import)


def stats_options(schema: schema_pb2.Schema) -> Any:
    # The sketch-based top-k is what the in-memory path always uses; asking for it everywhere
    # keeps the Beam path (and TFDV's own generate_statistics_from_csv) equal to ours.
    return tfdv.StatsOptions(schema=schema, infer_type_from_schema=True,
                             experimental_use_sketch_based_topk_uniques=True)


class StatisticsAccumulator:
    """Folds TFDV-typed record batches into TFDV's statistics accumulators."""

    def __init__(self, schema: schema_pb2.Schema) -> None:
        self.options = stats_options(schema)
        self.generators: list[Any] = list(stats_impl.get_generators(self.options, in_memory=True))
        self.accumulators = [g.create_accumulator() for g in self.generators]

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        try:
            self.accumulators = [g.add_input(acc, batch)
                                 for g, acc in zip(self.generators, self.accumulators, strict=True)]
        except (TypeError, ValueError, pa.ArrowException) as err:
            raise DataError(f"statistics could not be computed: {err}") from None

    def merge(self, other_accumulators: Iterable[list[Any]]) -> None:
        """Merge accumulators built elsewhere (another process) into this one."""
        for others in other_accumulators:
            pairs = zip(self.generators, self.accumulators, others, strict=True)
            self.accumulators = [g.merge_accumulators([acc, o]) for g, acc, o in pairs]

    def result(self) -> statistics_pb2.DatasetFeatureStatisticsList:
        return stats_impl.extract_statistics_output(self.accumulators, self.generators)


def compute_statistics(batches: Iterable[pa.RecordBatch], schema: schema_pb2.Schema
                       ) -> statistics_pb2.DatasetFeatureStatisticsList:
    acc = StatisticsAccumulator(schema)
    for batch in batches:
        acc.add(batch)
    return acc.result()


def write_statistics(stats: statistics_pb2.DatasetFeatureStatisticsList, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stats.SerializeToString())
