"""Splitting one partition of local files into shards that separate processes (or Beam workers)
read on their own, so no process has to ship batches to another.

Parquet splits by row group (the unit Parquet can read alone), balanced by row count; CSV
splits by file. Shards are built from the run's plan: the footers are not read again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from validator.sources.base import FilePart, ReadStats, SourcePlan

if TYPE_CHECKING:
    from validator.sources.local import LocalFileSource


@dataclasses.dataclass(frozen=True)
class LocalShard:
    source: LocalFileSource
    ds: dt.date | None
    parts: tuple[FilePart, ...]
    dictionary: tuple[str, ...] = ()  # text columns read as Arrow dictionaries (the plan's hint)
    batch_rows: int | None = None  # rows per batch (the plan's hint)

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def read(self, stats: ReadStats) -> Iterator[pa.RecordBatch]:
        plan = SourcePlan(ds=self.ds, uri=self.source.uri(self.ds), parts=self.parts,
                          estimated_rows=self.rows, dictionary_columns=self.dictionary,
                          batch_rows=self.batch_rows)
        yield from self.source.read(self.ds, stats, plan)


def _row_group_parts(part: FilePart) -> list[FilePart]:
    """One part per row group of a Parquet file, each carrying the file's footer."""
    if part.row_groups is None or part.metadata is None:
        return [part]
    meta = part.metadata
    return [FilePart(part.file, (i,), meta.row_group(i).num_rows, part.size, meta)
            for i in part.row_groups]


def split_local(source: LocalFileSource, plan: SourcePlan, n: int) -> list[LocalShard]:
    """At most n shards of about equal rows, each a contiguous run of row groups in file order
    (so the first shard sees the first rows, as a serial read would)."""
    parts = [g for part in plan.parts for g in _row_group_parts(part)]
    count = max(1, min(n, len(parts)))
    total = sum(max(p.rows, 1) for p in parts)
    buckets: list[list[FilePart]] = [[] for _ in range(count)]
    done = 0
    for part in parts:
        index = min(count - 1, done * count // total)
        buckets[index].append(part)
        done += max(part.rows, 1)
    return [LocalShard(source, plan.ds, tuple(merge_parts(b)), plan.dictionary_columns,
                       plan.batch_rows)
            for b in buckets if b]


def merge_parts(parts: Sequence[FilePart]) -> list[FilePart]:
    """One FilePart per file: its row groups together."""
    merged: dict[str, FilePart] = {}
    for part in parts:
        prev = merged.get(part.file)
        merged[part.file] = part if prev is None else FilePart(
            part.file, None if prev.row_groups is None or part.row_groups is None
            else prev.row_groups + part.row_groups, prev.rows + part.rows, prev.size, prev.metadata)
    return list(merged.values())
