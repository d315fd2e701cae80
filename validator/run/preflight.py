"""Usage errors are never runs: what is checked before a run is recorded or anything is sent.

A partitioned job run without a ds, or a `source.columns` name that neither the data nor the
schema has (a typo), is a `ConfigError` (exit 2): nothing is recorded, nothing posted.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Protocol

from tensorflow_metadata.proto.v0 import schema_pb2

from validator.config.job import Job
from validator.errors import ConfigError


class ListsColumns(Protocol):
    def column_names(self, ds: dt.date | None) -> list[str] | None: ...


def check_ds(job: Job, ds: dt.date | None) -> None:
    if ds is None and job.partitioned:
        raise ConfigError(f"job '{job.name}' reads one partition per day; pass --ds YYYY-MM-DD "
                          "(or today, yesterday, -N)")


def unknown_columns(columns: list[str], present: list[str], schema: schema_pb2.Schema
                    ) -> list[tuple[str, str | None]]:
    """Selected names the data and the schema both lack, each with the closest existing column.
    Pure. A name the schema knows but the data lacks is a missing column the run reports."""
    known = {n.lower() for n in present} | {f.name.lower() for f in schema.feature}
    out = []
    for name in columns:
        if name.lower() not in known:
            close = difflib.get_close_matches(name, present, n=1, cutoff=0.5)
            out.append((name, close[0] if close else None))
    return out


def check_columns(job: Job, schema: schema_pb2.Schema, source: object, ds: dt.date | None) -> None:
    columns = job.source.columns
    lister = getattr(source, "column_names", None)
    if not columns or lister is None:
        return
    present = lister(ds)
    if present is None:  # no data yet: the run says not ready
        return
    unknown = unknown_columns(columns, present, schema)
    if unknown:
        name, close = unknown[0]
        hint = f"; did you mean '{close}'?" if close else f"; the columns are {', '.join(present)}"
        raise ConfigError(f"column '{name}' is not in the data{hint}", file=str(job.file),
                          field="source.columns")
