"""SQL that makes BigQuery compute a partition's statistics itself (`engine: warehouse`).

Pure: from the selected columns (name, BigQuery type, mode, the schema's type) and the source
plan (table or query, the partition's condition, its parameters) to two statements:

    aggregates   one row: COUNT(*), and per column the present / invalid counts, MIN, MAX,
                 AVG, STDDEV_POP, zeros, APPROX_QUANTILES(v, 1000), byte lengths,
                 COUNT(DISTINCT v), a few invalid examples; for REPEATED columns the number of
                 values per row (ARRAY_LENGTH: min, max, sum, APPROX_QUANTILES(n, 10))
    top values   the exact top 1000 values of every categorical column, from ONE scan (each row
                 unnested into (column index, value) pairs, GROUP BY, ROW_NUMBER per column)

Values are typed the way validator.stats.convert types them for the local engine (the schema
decides; text is parsed with the same patterns, then SAFE_CAST), so a value that does not parse
is missing and counted as invalid in both engines. Identifiers are always quoted
(quote_identifier); aliases are generated (c0, c1, ...) and never hold a user's name; the ds is
a query parameter; the only job text spliced in is the job's own row_filter or query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from validator.errors import DataError
from validator.sources.bigquery.sql import TableName, quote_identifier

INT, FLOAT, BYTES = "INT", "FLOAT", "BYTES"
QUANTILES = 1000  # TFDV builds its histograms from 100 x 10 quantiles: the same here
NUM_VALUES_QUANTILES = 10
TOP_VALUES = 1000  # TFDV's default num_rank_histogram_buckets
EXAMPLES = 3  # as validator.stats.convert.MAX_EXAMPLES
# validator.stats.convert's patterns, in RE2 (BigQuery's regular expressions).
INT_TEXT = r"^\s*[-+]?\d+\s*$"
FLOAT_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(?i:nan|inf|infinity)\s*$"
_LEGACY = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "RECORD": "STRUCT"}


@dataclasses.dataclass(frozen=True)
class Param:
    """A query parameter (google.cloud.bigquery.ScalarQueryParameter(name, type, value))."""

    name: str
    type: str
    value: str | int | float | dt.date | dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Column:
    """One selected column: its name in the table, BigQuery type and mode, the schema's type
    (INT / FLOAT / BYTES) and whether TFDV gives it string statistics (categorical)."""

    name: str
    bq_type: str
    repeated: bool
    kind: str
    categorical: bool

    @property
    def normalized_type(self) -> str:
        return _LEGACY.get(self.bq_type.upper(), self.bq_type.upper())


@dataclasses.dataclass(frozen=True)
class SourcePlan:
    """Where the rows come from: FROM text (a quoted table or a parenthesized query), the
    conditions selecting the partition's rows, and their parameters."""

    from_sql: str
    conditions: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()

    def where(self, indent: str = "") -> str:
        if not self.conditions:
            return ""
        return f"\n{indent}WHERE " + " AND ".join(f"({c})" for c in self.conditions)


@dataclasses.dataclass(frozen=True)
class StatsQueries:
    aggregates: str
    top_values: str | None
    params: tuple[Param, ...]


def quoted_table(table: TableName) -> str:
    return ".".join(quote_identifier(p) for p in (table.project, table.dataset, table.table))


def partition_condition(column: str | None, column_type: str | None,
                        ds: dt.date) -> tuple[str, tuple[Param, ...]]:
    """The condition selecting one day, with the day as parameters (never a literal).
    `column=None` means ingestion-time partitioning."""
    start, end = ds, ds + dt.timedelta(days=1)
    if column is None:
        return "_PARTITIONDATE = @dqv_ds", (Param("dqv_ds", "DATE", ds),)
    quoted, kind = quote_identifier(column), _LEGACY.get((column_type or "").upper(),
                                                         (column_type or "").upper())
    if kind == "DATE":
        return f"{quoted} = @dqv_ds", (Param("dqv_ds", "DATE", ds),)
    if kind in ("TIMESTAMP", "DATETIME"):
        # A half-open range keeps BigQuery's partition pruning (a function on the column would not).
        first = dt.datetime.combine(start, dt.time(), dt.UTC if kind == "TIMESTAMP" else None)
        after = dt.datetime.combine(end, dt.time(), dt.UTC if kind == "TIMESTAMP" else None)
        return (f"{quoted} >= @dqv_ds_start AND {quoted} < @dqv_ds_end",
                (Param("dqv_ds_start", kind, first), Param("dqv_ds_end", kind, after)))
    raise DataError(f"partition column '{column}' is {kind or 'of unknown type'}; it must be "
                    "DATE, TIMESTAMP or DATETIME (fix source.partition.column)")


def table_plan(table: TableName, partition: tuple[str, tuple[Param, ...]] | None,
               row_filter: str | None) -> SourcePlan:
    conditions = [partition[0]] if partition else []
    if row_filter and row_filter.strip():
        conditions.append(row_filter.strip())
    return SourcePlan(quoted_table(table), tuple(conditions), partition[1] if partition else ())


def query_plan(query: str, params: Sequence[Param], row_filter: str | None) -> SourcePlan:
    body = query.strip().rstrip(";").rstrip()
    conditions = (row_filter.strip(),) if row_filter and row_filter.strip() else ()
    return SourcePlan(f"(\n{body}\n) AS _dqv_src", conditions, tuple(params))


# -- typing values as validator.stats.convert does -------------------------------------------


def _parsed(text: str, kind: str) -> tuple[str, str]:
    """Text -> INT64 / FLOAT64 with convert.py's patterns; blank text is missing, not invalid."""
    pattern, target = (INT_TEXT, "INT64") if kind == INT else (FLOAT_TEXT, "FLOAT64")
    trimmed = f"NULLIF(TRIM({text}), '')"
    value = (f"IF(REGEXP_CONTAINS({trimmed}, r'{pattern}'), "
             f"SAFE_CAST(REGEXP_REPLACE({trimmed}, r'^\\+', '') AS {target}), NULL)")
    return value, f"{trimmed} IS NOT NULL AND ({value}) IS NULL"


def typed_value(raw: str, bq_type: str, kind: str) -> tuple[str, str | None]:
    """(the value as the schema's type, the condition 'this value is invalid' or None)."""
    t = _LEGACY.get(bq_type.upper(), bq_type.upper())
    if t == "STRUCT":
        raise DataError("the warehouse engine does not compute statistics of STRUCT / RECORD "
                        "columns; use engine: local, or leave the column out of source.columns")
    if t == "BYTES" and kind != BYTES:
        raw, t = f"SAFE_CONVERT_BYTES_TO_STRING({raw})", "STRING"
    if kind == INT:
        if t in ("INT64", "BOOL"):
            return f"CAST({raw} AS INT64)", None
        if t == "TIMESTAMP":
            return f"UNIX_SECONDS({raw})", None
        if t == "DATETIME":
            return f"UNIX_SECONDS(TIMESTAMP({raw}))", None
        if t == "DATE":
            return f"UNIX_DATE({raw})", None
        if t in ("FLOAT64", "NUMERIC", "BIGNUMERIC"):
            value = f"IF({raw} = TRUNC({raw}), SAFE_CAST({raw} AS INT64), NULL)"
            return value, f"{raw} IS NOT NULL AND ({value}) IS NULL"
        return _parsed(raw if t == "STRING" else f"CAST({raw} AS STRING)", INT)
    if kind == FLOAT:
        if t in ("INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC"):
            return f"CAST({raw} AS FLOAT64)", None
        if t == "BOOL":
            return f"IF({raw}, 1.0, 0.0)", None
        if t == "TIMESTAMP":
            return f"UNIX_MICROS({raw}) / 1000000", None
        return _parsed(raw if t == "STRING" else f"CAST({raw} AS STRING)", FLOAT)
    if t in ("STRING", "BYTES"):
        return raw, None
    if t == "BOOL":
        return f"IF({raw}, 'true', 'false')", None
    if t == "TIMESTAMP":
        return f"FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%S', {raw})", None
    if t == "DATE":
        return f"FORMAT_DATE('%Y-%m-%d', {raw})", None
    return f"CAST({raw} AS STRING)", None


def _length(value: str, column: Column) -> str:
    if column.kind == BYTES and column.normalized_type == "BYTES":
        return f"LENGTH({value})"
    return f"BYTE_LENGTH({_as_text(value, column)})"


def _as_text(value: str, column: Column) -> str:
    if column.kind != BYTES:
        return f"CAST({value} AS STRING)"
    if column.normalized_type == "BYTES":
        return f"SAFE_CONVERT_BYTES_TO_STRING({value})"
    return value


# -- the statements --------------------------------------------------------------------------


def _row_select(columns: Sequence[Column]) -> list[str]:
    items = []
    for i, column in enumerate(columns):
        raw = quote_identifier(column.name)
        if column.repeated:
            items.append(f"{raw} AS c{i}")
            continue
        value, invalid = typed_value(raw, column.bq_type, column.kind)
        items.append(f"{value} AS c{i}")
        if invalid:
            items.append(f"{invalid} AS c{i}_bad")
            items.append(f"SUBSTR(CAST({raw} AS STRING), 1, 40) AS c{i}_raw")
    return items


def _aggregates(i: int, column: Column) -> list[str]:
    v = f"c{i}"
    if column.repeated:
        # Arrays are never NULL in BigQuery: every row is present, with ARRAY_LENGTH values.
        n = f"ARRAY_LENGTH({v})"
        return [f"COUNT(*) AS {v}_present", f"MIN({n}) AS {v}_nv_min", f"MAX({n}) AS {v}_nv_max",
                f"SUM({n}) AS {v}_nv_sum",
                f"APPROX_QUANTILES({n}, {NUM_VALUES_QUANTILES}) AS {v}_nv_q"]
    out = [f"COUNTIF({v} IS NOT NULL) AS {v}_present"]
    _, invalid = typed_value("x", column.bq_type, column.kind)
    if invalid:
        out += [f"COUNTIF({v}_bad) AS {v}_invalid",
                # The most frequent invalid values as examples. APPROX_TOP_COUNT, not ARRAY_AGG(..
                # IGNORE NULLS LIMIT n), which the emulator answers with NULLs; BigQuery may count
                # NULL as one of the values, hence one more (dropped by the engine).
                f"APPROX_TOP_COUNT(IF({v}_bad, {v}_raw, NULL), {EXAMPLES + 1}) AS {v}_examples"]
    if column.categorical:
        out += [f"SUM({_length(v, column)}) AS {v}_len", f"COUNT(DISTINCT {v}) AS {v}_unique"]
    else:
        out += [f"MIN({v}) AS {v}_min", f"MAX({v}) AS {v}_max", f"AVG({v}) AS {v}_mean",
                f"STDDEV_POP({v}) AS {v}_std", f"COUNTIF({v} = 0) AS {v}_zeros",
                f"APPROX_QUANTILES({v}, {QUANTILES}) AS {v}_q"]
    return out


def aggregates_sql(plan: SourcePlan, columns: Sequence[Column]) -> str:
    inner = ",\n    ".join(_row_select(columns)) or "1 AS _dqv_one"
    outer = ["COUNT(*) AS n"] + [a for i, c in enumerate(columns) for a in _aggregates(i, c)]
    return ("SELECT\n  " + ",\n  ".join(outer) + "\nFROM (\n  SELECT\n    " + inner +
            f"\n  FROM {plan.from_sql}{plan.where('  ')}\n) AS _dqv_rows")


def top_values_sql(plan: SourcePlan, columns: Sequence[Column]) -> str | None:
    """Exact value counts of the categorical (scalar) columns, top TOP_VALUES per column, ties
    broken by the value (ascending), from one scan of the rows."""
    chosen = [(i, c) for i, c in enumerate(columns) if c.categorical and not c.repeated]
    if not chosen:
        return None
    rows = ",\n    ".join(f"{_as_text(typed_value(quote_identifier(c.name), c.bq_type, c.kind)[0], c)}"
                          f" AS c{i}" for i, c in chosen)
    pairs = ", ".join(f"STRUCT({i} AS i, c{i} AS v)" for i, _ in chosen)
    return (
        "WITH _dqv_rows AS (\n  SELECT\n    " + rows +
        f"\n  FROM {plan.from_sql}{plan.where('  ')}\n),\n"
        "_dqv_counts AS (\n"
        "  SELECT p.i AS i, p.v AS v, COUNT(*) AS n\n"
        f"  FROM _dqv_rows, UNNEST([{pairs}]) AS p\n"
        "  WHERE p.v IS NOT NULL\n"
        "  GROUP BY p.i, p.v\n)\n"
        "SELECT i, v, n FROM (\n"
        "  SELECT i, v, n, ROW_NUMBER() OVER (PARTITION BY i ORDER BY n DESC, v) AS r\n"
        "  FROM _dqv_counts\n)\n"
        f"WHERE r <= {TOP_VALUES}\nORDER BY i, r")


def build(plan: SourcePlan, columns: Sequence[Column]) -> StatsQueries:
    return StatsQueries(aggregates_sql(plan, columns), top_values_sql(plan, columns), plan.params)


def inferred_kind(bq_type: str) -> str:
    """The schema type a column the schema does not know gets (convert.inferred_type)."""
    t = _LEGACY.get(bq_type.upper(), bq_type.upper())
    if t in ("INT64", "BOOL", "TIMESTAMP", "DATE", "DATETIME"):
        return INT
    return FLOAT if t in ("FLOAT64", "NUMERIC", "BIGNUMERIC") else BYTES


def plan_columns(fields: Sequence[tuple[str, str, str]], features: dict[str, tuple[str, bool]],
                 wanted: Sequence[str] | None) -> list[Column]:
    """The columns to compute: `wanted` (source.columns) when given, else the schema's
    features; each matched to the table's fields (name, type, mode) case-insensitively, as the
    Storage Read path does. Missing ones are left out (validation reports them missing)."""
    present = {name.lower(): (name, bq_type, mode) for name, bq_type, mode in fields}
    names = list(wanted) if wanted else list(features)
    chosen: list[Column] = []
    for name in names:
        field = present.pop(name.lower(), None)
        if field is None:
            continue
        actual, bq_type, mode = field
        kind, categorical = features.get(actual, (inferred_kind(bq_type), False))
        categorical = categorical or kind == BYTES
        chosen.append(Column(actual, bq_type, (mode or "").upper() == "REPEATED", kind, categorical))
    return chosen
