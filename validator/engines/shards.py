"""Splitting one partition's read into shards that separate processes (or Beam workers) read
on their own, so no process has to ship batches to another.

Local Parquet splits by row group (the unit Parquet can read alone), balanced by row count;
CSV splits by file. A source of any other kind may offer `split(ds, n) -> list[Shard]` itself
(for example one Storage Read API stream per shard); otherwise it is not split.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from validator.errors import DataError
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource


class Shard(Protocol):
    """A picklable part of one partition's rows."""

    def read(self, stats: ReadStats) -> Iterator[pa.RecordBatch]: ...


@dataclasses.dataclass(frozen=True)
class FilePart:
    file: str
    row_groups: tuple[int, ...] | None = None  # None: the whole file
    rows: int = 0


class _PartsSource(LocalFileSource):
    """The job's local source restricted to some files / row groups (same filters and columns)."""

    def __init__(self, base: LocalFileSource, parts: Sequence[FilePart],
                 dictionary: Sequence[str] = ()) -> None:
        super().__init__(base.config, base.project_dir, base.bytes_columns)
        self._parts = {p.file: p for p in parts}
        self._dictionary = list(dictionary) or None

    def files(self, ds: dt.date | None) -> list[str]:
        return list(self._parts)

    def _read_file(self, file: str) -> Iterator[pa.RecordBatch]:
        groups = self._parts[file].row_groups
        if groups is None or self._format(file) != "parquet":
            yield from super()._read_file(file)
            return
        try:
            yield from pq.ParquetFile(file, read_dictionary=self._dictionary).iter_batches(
                batch_size=self.config.batch_rows, row_groups=list(groups))
        except (pa.ArrowInvalid, OSError) as err:
            raise DataError(f"{file}: cannot read as parquet ({str(err).splitlines()[0]}); "
                            "check the file or source.format") from None


@dataclasses.dataclass(frozen=True)
class LocalShard:
    source: LocalFileSource
    ds: dt.date | None
    parts: tuple[FilePart, ...]
    # Columns to read as Arrow dictionaries (the fast engine counts their codes)
    dictionary: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def read(self, stats: ReadStats) -> Iterator[pa.RecordBatch]:
        yield from _PartsSource(self.source, self.parts, self.dictionary).read(self.ds, stats)


def _file_parts(source: LocalFileSource, file: str) -> list[FilePart]:
    size = pathlib.Path(file).stat().st_size
    if source._format(file) != "parquet":
        return [FilePart(file, None, size // 64)]  # rough: only used to balance shards
    try:
        meta = pq.ParquetFile(file).metadata
    except (pa.ArrowInvalid, OSError):
        return [FilePart(file, None, 0)]  # reading it will report the problem in full
    return [FilePart(file, (i,), meta.row_group(i).num_rows) for i in range(meta.num_row_groups)]


def local_parts(source: LocalFileSource, ds: dt.date | None) -> list[FilePart]:
    return [part for file in source.files(ds) for part in _file_parts(source, file)]


def split_local(source: LocalFileSource, ds: dt.date | None, n: int) -> list[LocalShard]:
    """At most n shards of about equal rows, each a contiguous run of row groups in file order
    (so the first shard sees the first rows, as a serial read would)."""
    parts = local_parts(source, ds)
    count = max(1, min(n, len(parts)))
    total = sum(max(p.rows, 1) for p in parts)
    buckets: list[list[FilePart]] = [[] for _ in range(count)]
    done = 0
    for part in parts:
        index = min(count - 1, done * count // total)
        buckets[index].append(part)
        done += max(part.rows, 1)
    return [LocalShard(source, ds, tuple(_merge_parts(b))) for b in buckets if b]


def _merge_parts(parts: list[FilePart]) -> list[FilePart]:
    """One FilePart per file: its row groups together."""
    merged: dict[str, FilePart] = {}
    for part in parts:
        prev = merged.get(part.file)
        merged[part.file] = part if prev is None else FilePart(
            part.file, None if prev.row_groups is None or part.row_groups is None
            else prev.row_groups + part.row_groups, prev.rows + part.rows)
    return list(merged.values())


def split_source(source: Any, ds: dt.date | None, n: int) -> list[Shard] | None:
    """Shards for n readers, or None when this source cannot be split."""
    if isinstance(source, LocalFileSource):
        return list(split_local(source, ds, n))
    split = getattr(source, "split", None)
    return list(split(ds, n)) if callable(split) else None


def estimated_rows(source: Any, ds: dt.date | None) -> int | None:
    """Rows the partition holds, when that is cheap to know (Parquet footers), else None."""
    if isinstance(source, LocalFileSource):
        return sum(p.rows for p in local_parts(source, ds))
    estimate = getattr(source, "estimated_rows", None)
    return estimate(ds) if callable(estimate) else None
