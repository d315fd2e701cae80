"""Row evidence at the source edge: where a source's rows are for a pasteable query, and a
small read of the rows one value finding is about.

A source that can do this implements `EvidenceReader` (local files through DuckDB:
sources/local_evidence.py; BigQuery through a query job: sources/bigquery/evidence.py). The
runner asks only when a run has blocking value findings (validator/run/evidence.py), so a run
without them reads nothing more. A sample reads only the columns it is given (never the omitted
ones) and at most `limit` rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Protocol, runtime_checkable

from validator.core.evidence_sql import Target, ValueCheck
from validator.sources.base import SourcePlan


@dataclasses.dataclass(frozen=True)
class EvidenceTarget:
    """The rows of one plan as a query target, and the type of each column: True where the
    column holds text (numbers in it are parsed, as dqv reads them)."""

    target: Target
    text_columns: dict[str, bool]  # every column of the data, in order; empty when not known


@dataclasses.dataclass
class Sample:
    """Rows read for one finding (values as text, None for missing) and what the read cost."""

    rows: list[tuple[str | None, ...]]
    cost: dict[str, Any] = dataclasses.field(default_factory=dict)


@runtime_checkable
class EvidenceReader(Protocol):
    def evidence_target(self, plan: SourcePlan) -> EvidenceTarget:
        """Where the plan's rows are, for a query (one metadata read at most)."""
        ...

    def sample_rows(self, plan: SourcePlan, target: EvidenceTarget, check: ValueCheck,
                    columns: tuple[str, ...], limit: int) -> Sample:
        """At most `limit` rows of `check`, only `columns`; raise DqvError when it fails."""
        ...


def as_text(value: Any) -> str | None:
    """A sampled value as stored in evidence.json."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)
    return str(value)
