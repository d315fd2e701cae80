"""Row evidence of local files: DuckDB over the plan's files, read the way dqv reads them.

What it costs: one DuckDB query per finding over the plan's files. Parquet is read by column,
so a query reads at most the column chunks of the columns it selects and filters on (counted
from the footers the plan already holds: `max_bytes`), and stops once it has `limit` rows;
CSV has no columns to skip, so a query may read the files whole.
"""

from __future__ import annotations

from typing import Any

from validator.core import evidence_sql
from validator.core.evidence_sql import FileTarget, ValueCheck
from validator.errors import DataError
from validator.sources.base import SourcePlan
from validator.sources.evidence import EvidenceTarget, Sample, as_text

_TEXT_TYPES = ("VARCHAR", "BLOB")


def _connect() -> Any:
    import duckdb

    con = duckdb.connect(config={"threads": 2})
    try:
        con.execute("SET TimeZone = 'UTC'")
    except duckdb.Error:
        pass  # without ICU: timestamps are read without a time zone anyway
    return con


def file_target(files: tuple[str, ...], fmt: str, *, delimiter: str, null_values: tuple[str, ...],
                ds_column: str | None, plan: SourcePlan) -> EvidenceTarget:
    target = FileTarget(files=files, format="csv" if fmt == "csv" else "parquet",
                        csv_delimiter=delimiter, csv_null_values=null_values,
                        ds_column=ds_column, ds=plan.ds)
    types: dict[str, bool] = {}
    try:
        con = _connect()
        try:
            for row in con.execute(f"DESCRIBE {evidence_sql.select_all(target)}").fetchall():
                types[str(row[0])] = str(row[1]).upper() in _TEXT_TYPES
        finally:
            con.close()
    except Exception:  # types unknown: the query is still given, reading reports the problem
        types = {}
    return EvidenceTarget(target, types)


def max_bytes(plan: SourcePlan, columns: set[str], csv: bool) -> int:
    """At most what one query reads: the selected columns' chunks (Parquet) or the files."""
    total = 0
    for part in plan.parts:
        if csv or part.metadata is None:
            total += part.size
            continue
        groups = part.row_groups if part.row_groups is not None else range(part.metadata.num_row_groups)
        for g in groups:
            group = part.metadata.row_group(g)
            for c in range(group.num_columns):
                chunk = group.column(c)
                if chunk.path_in_schema.split(".")[0] in columns:
                    total += int(chunk.total_compressed_size)
    return total


def sample(plan: SourcePlan, target: EvidenceTarget, check: ValueCheck,
           columns: tuple[str, ...], limit: int) -> Sample:
    assert isinstance(target.target, FileTarget)
    sql = evidence_sql.query(check, target.target, columns=columns, limit=limit)
    import duckdb

    try:
        con = _connect()
        try:
            rows = con.execute(sql).fetchall()
        finally:
            con.close()
    except duckdb.Error as err:
        reason = str(err).splitlines()[0][:300]
        raise DataError(f"DuckDB could not read the sample rows ({reason})") from None
    needed = {*columns, check.feature, *([target.target.ds_column] if target.target.ds_column else [])}
    return Sample(rows=[tuple(as_text(v) for v in row) for row in rows],
                  cost={"max_bytes": max_bytes(plan, needed, target.target.format == "csv")})
