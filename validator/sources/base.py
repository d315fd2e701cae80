"""The small interface every data source implements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Protocol

import pyarrow as pa


@dataclasses.dataclass
class ReadStats:
    """What a read cost; filled in while the batches stream."""

    uri: str = ""
    files: int = 0
    bytes_read: int = 0
    rows: int = 0
    extra: dict[str, object] = dataclasses.field(default_factory=dict)


class Source(Protocol):
    """Yields the rows of one partition (ds) as raw Arrow record batches, in any types."""

    def uri(self, ds: dt.date | None) -> str:
        """Where the data of this ds lives, for lineage (file://..., bq://...)."""
        ...

    def read(self, ds: dt.date | None, stats: ReadStats) -> Iterator[pa.RecordBatch]:
        """Stream the batches; raise DataError when the data is missing or unreadable."""
        ...
