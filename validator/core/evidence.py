"""Row evidence: sample rows behind one blocking finding about values, and a query a user can
paste to find all of them (GoogleSQL for BigQuery sources, DuckDB SQL for files).

Pure data. Collected at the source edge (validator/sources) only when a run has such findings;
stored as the run's `evidence.json` artifact and on the run record. Masked columns hold
`MASK` in every sample row; omitted columns are absent from `columns` and rows alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

EVIDENCE_FILE = "evidence.json"
MASK = "***"
# How every output names a query's dialect.
DIALECT_LABEL = {"googlesql": "GoogleSQL, BigQuery", "duckdb": "DuckDB SQL"}


@dataclasses.dataclass(frozen=True)
class RowEvidence:
    feature: str
    anomaly_type: str
    dialect: str  # "googlesql" or "duckdb"
    query: str  # pasteable: returns every offending row
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()  # sample rows, values as text
    masked: tuple[str, ...] = ()
    omitted: tuple[str, ...] = ()
    truncated: bool = False  # more rows match than were sampled
    error: str | None = None  # why no sample could be read (the query is still given)

    @property
    def dialect_label(self) -> str:
        return DIALECT_LABEL.get(self.dialect, self.dialect)

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "anomaly_type": self.anomaly_type,
                "dialect": self.dialect, "query": self.query, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows], "masked": list(self.masked),
                "omitted": list(self.omitted), "truncated": self.truncated, "error": self.error}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowEvidence:
        return cls(feature=str(data.get("feature", "")),
                   anomaly_type=str(data.get("anomaly_type", "")),
                   dialect=str(data.get("dialect", "")), query=str(data.get("query", "")),
                   columns=tuple(str(c) for c in data.get("columns") or ()),
                   rows=tuple(tuple(None if v is None else str(v) for v in r)
                              for r in data.get("rows") or ()),
                   masked=tuple(str(c) for c in data.get("masked") or ()),
                   omitted=tuple(str(c) for c in data.get("omitted") or ()),
                   truncated=bool(data.get("truncated")), error=data.get("error"))
