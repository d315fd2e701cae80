"""The small interface every data source implements, and the plan of one partition's read.

A run plans its read once (`Source.plan`): which files and row groups, or which table and
partition, and how many rows that is when it is cheap to know. The same plan picks the engine
and is handed to it, so nothing is listed or opened twice. Sources declare what they can do
through the protocol (split into shards for parallel readers, a Beam read), so engines never
ask what kind of source they hold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol

import pyarrow as pa


@dataclasses.dataclass
class ReadStats:
    """What a read cost; filled in while the batches stream."""

    uri: str = ""
    files: int = 0
    bytes_read: int = 0
    rows: int = 0
    extra: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class FilePart:
    """One file of a partition, or some of its row groups. `metadata` is the Parquet footer read
    while planning (so the read does not parse it again); None for CSV."""

    file: str
    row_groups: tuple[int, ...] | None = None  # None: the whole file
    rows: int = 0
    size: int = 0
    metadata: Any = None  # pyarrow.parquet.FileMetaData (picklable)


@dataclasses.dataclass(frozen=True)
class SourcePlan:
    """What the read of one ds will touch, computed once per run."""

    ds: dt.date | None
    uri: str
    parts: tuple[FilePart, ...] = ()  # local files and row groups; empty for a warehouse table
    estimated_rows: int | None = None  # when known (Parquet footers, or asked for), else None
    in_warehouse: bool = False  # the rows live where statistics can be computed (engine: warehouse)
    dictionary_columns: tuple[str, ...] = ()  # text columns to read as Arrow dictionaries (a hint)
    batch_rows: int | None = None  # rows per batch the engine prefers (a hint; None: the source's)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.file for p in self.parts))


class Shard(Protocol):
    """A picklable part of one partition's rows, read by one worker."""

    def read(self, stats: ReadStats) -> Iterator[pa.RecordBatch]: ...


class Source(Protocol):
    """Yields the rows of one partition (ds) as raw Arrow record batches, in any types."""

    def uri(self, ds: dt.date | None) -> str:
        """Where the data of this ds lives, for lineage (file://..., bq://...)."""
        ...

    def plan(self, ds: dt.date | None, estimate_rows: bool = False) -> SourcePlan:
        """Plan the read of this ds; raise DataError when the data is missing. `estimate_rows`:
        also when knowing the row count costs a metadata query (engine: auto asks)."""
        ...

    def read(self, ds: dt.date | None, stats: ReadStats, plan: SourcePlan | None = None
             ) -> Iterator[pa.RecordBatch]:
        """Stream the batches (of `plan` when given); raise DataError when the data is missing or
        unreadable."""
        ...

    def split(self, plan: SourcePlan, n: int) -> list[Shard] | None:
        """At most n shards that separate processes read on their own, or None when this
        source cannot be split."""
        ...

    def beam_read(self, plan: SourcePlan, spread: bool) -> Any:
        """The Beam PTransform that reads the plan (`spread`: reshuffle for remote workers);
        raise ConfigError when the source cannot be read by Beam."""
        ...
