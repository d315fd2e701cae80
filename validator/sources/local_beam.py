"""The Beam engine's read of local files: one element per Parquet row group (or CSV file),
reshuffled so that remote workers share them (`spread`; the DirectRunner's one worker gains
nothing from that shuffle stage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import apache_beam as beam
import pyarrow as pa

from validator.sources.base import ReadStats, SourcePlan
from validator.sources.local_split import split_local

if TYPE_CHECKING:
    from validator.sources.local import LocalFileSource


def _read_shard(shard: Any) -> Iterator[pa.RecordBatch]:
    yield from shard.read(ReadStats())


def read_local(source: LocalFileSource, plan: SourcePlan, spread: bool = True) -> beam.PTransform:
    shards = split_local(source, plan, n=1 << 30)

    @beam.ptransform_fn
    def _read(root: Any) -> Any:
        parts = root | "Shards" >> beam.Create(shards)
        if spread:
            parts = parts | "Spread" >> beam.Reshuffle()
        return parts | "ReadShard" >> beam.FlatMap(_read_shard)

    return _read()
