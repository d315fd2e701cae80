"""The pasteable query behind one value finding: a predicate from the schema's bound or domain,
rendered by sqlglot as DuckDB SQL (local files) or GoogleSQL (BigQuery).

Pure: no I/O, no client. Identifiers are always quoted and every literal is a sqlglot literal
(never spliced text), so a hostile column name or domain value stays data. The predicates
mirror how dqv reads values (validator/stats/convert.py): a text column holding a number is
parsed by the same patterns (blank text is missing, text that does not parse is a type error
and not a value), so the query finds the rows the finding counted.

The same builder renders what the source executes to sample rows: `params` collects the
values as query parameters (BigQuery) instead of literals, `columns` and `limit` narrow it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

import sqlglot
from sqlglot import exp

Dialect = Literal["duckdb", "googlesql"]
CheckKind = Literal["domain", "below", "above", "missing", "type"]
_SQLGLOT = {"duckdb": "duckdb", "googlesql": "bigquery"}
# dqv's parsers (validator/stats/convert.py): the text a number may be written as.
INT_TEXT = r"^\s*[-+]?\d+\s*$"
FLOAT_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(?i:nan|inf|infinity)\s*$"
_BLANK = r"^\s*$"


@dataclasses.dataclass(frozen=True)
class ValueCheck:
    """Which rows one finding is about, from the schema: values outside the string domain,
    below the minimum or above the maximum, missing, or not of the schema's type."""

    feature: str
    anomaly_type: str
    kind: CheckKind
    values: tuple[str, ...] = ()  # the string domain (kind: domain)
    bound: float | int | None = None  # the schema's min (below) or max (above)
    value_type: Literal["INT", "FLOAT", "BYTES"] = "BYTES"  # the schema's type
    text: bool = False  # the column holds text (CSV, a STRING column): numbers are parsed


@dataclasses.dataclass(frozen=True)
class Param:
    """A query parameter of an executed query (BigQuery): name, GoogleSQL type, value."""

    name: str
    type: str  # STRING, INT64, FLOAT64, DATE
    value: str | int | float | dt.date


@dataclasses.dataclass(frozen=True)
class FileTarget:
    """Local files, read by DuckDB the way dqv reads them (validator/sources/local.py)."""

    files: tuple[str, ...]
    format: Literal["parquet", "csv"] = "parquet"
    csv_delimiter: str = ","
    csv_null_values: tuple[str, ...] = ()
    ds_column: str | None = None  # keep rows whose column's first 10 characters are the ds
    ds: dt.date | None = None

    dialect: Dialect = "duckdb"


@dataclasses.dataclass(frozen=True)
class TableTarget:
    """A BigQuery table (`table`: project.dataset.table) or a query (`query`, its @ds the run's
    ds), with the row restriction dqv reads it with (GoogleSQL conditions: the partition's
    and the job's row_filter)."""

    table: str | None = None
    query: str | None = None
    conditions: tuple[str, ...] = ()
    ds: dt.date | None = None

    dialect: Dialect = "googlesql"


Target = FileTarget | TableTarget


def _col(name: str) -> exp.Column:
    return exp.Column(this=exp.Identifier(this=name, quoted=True))


class _Values:
    """Literals, or parameters collected into `params` (BigQuery executes with parameters)."""

    def __init__(self, params: list[Param] | None) -> None:
        self.params = params

    def _param(self, kind: str, value: str | int | float | dt.date) -> exp.Expr:
        assert self.params is not None
        name = f"p{len(self.params)}"
        self.params.append(Param(name, kind, value))
        return exp.Parameter(this=exp.Var(this=name))

    def text(self, value: str) -> exp.Expr:
        return exp.Literal.string(value) if self.params is None else self._param("STRING", value)

    def number(self, value: float | int) -> exp.Expr:
        if self.params is not None:
            return self._param("INT64" if isinstance(value, int) else "FLOAT64", value)
        return exp.Literal.number(str(value) if isinstance(value, int) else repr(float(value)))

    def date(self, value: dt.date) -> exp.Expr:
        if self.params is not None:
            return self._param("DATE", value)
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("date"))


def _matches(column: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=column, expression=exp.Literal.string(pattern))


def _as_text(column: exp.Expr, check: ValueCheck) -> exp.Expr:
    return column if check.text else exp.Cast(this=column, to=exp.DataType.build("text"))


def predicate(check: ValueCheck, params: list[Param] | None = None) -> exp.Expr:
    """The condition true on exactly the rows the finding is about."""
    values = _Values(params)
    column = _col(check.feature)
    pattern = INT_TEXT if check.value_type == "INT" else FLOAT_TEXT
    numeric_text = check.text and check.value_type in ("INT", "FLOAT")
    if check.kind == "domain":
        present = exp.Not(this=exp.Is(this=column, expression=exp.Null()))
        if not check.values:
            return present
        allowed = exp.In(this=_as_text(column, check),
                         expressions=[values.text(v) for v in check.values])
        return exp.and_(present, exp.Not(this=exp.Paren(this=allowed)))
    if check.kind in ("below", "above"):
        if check.bound is None:
            raise ValueError(f"a {check.kind} check needs a bound")
        bound = values.number(check.bound)
        number: exp.Expr = column
        parsed: exp.Expr | None = None
        if numeric_text:
            parsed = _matches(column, pattern)
            number = exp.TryCast(this=exp.Trim(this=column), to=exp.DataType.build("double"))
        compare: exp.Expr = exp.LT(this=number, expression=bound) if check.kind == "below" \
            else exp.GT(this=number, expression=bound)
        return exp.and_(parsed, compare) if parsed is not None else compare
    if check.kind == "missing":
        missing: exp.Expr = exp.Is(this=column, expression=exp.Null())
        if numeric_text:  # blank text and text that does not parse become missing values
            missing = exp.or_(missing, _matches(column, _BLANK),
                              exp.Not(this=_matches(column, pattern)))
        return exp.Paren(this=missing)
    if check.kind == "type":
        present = exp.Not(this=exp.Is(this=column, expression=exp.Null()))
        if check.value_type == "FLOAT" or check.text:
            text = _as_text(column, check)
            return exp.and_(present, exp.Not(this=_matches(text, _BLANK)),
                            exp.Not(this=_matches(text, pattern)))
        # An INT feature in a floating-point column: a value with a fraction does not parse.
        return exp.and_(present, exp.NEQ(this=column, expression=exp.Floor(this=column)))
    raise ValueError(f"unknown check kind {check.kind!r}")


def _ds_condition(target: FileTarget, values: _Values) -> exp.Expr | None:
    if not target.ds_column or target.ds is None:
        return None
    text = exp.Cast(this=_col(target.ds_column), to=exp.DataType.build("text"))
    first = exp.Substring(this=text, start=exp.Literal.number(1), length=exp.Literal.number(10))
    return exp.EQ(this=first, expression=values.text(target.ds.isoformat()))


def _named(name: str, value: exp.Expr) -> exp.Expr:
    return exp.EQ(this=exp.column(name), expression=value)


def _file_source(target: FileTarget) -> exp.Expr:
    files = exp.Array(expressions=[exp.Literal.string(f) for f in target.files])
    options: list[exp.Expr] = [
        _named("union_by_name", exp.true()), _named("hive_partitioning", exp.false())]
    if target.format == "csv":
        # As validator/sources/local.py reads CSV: text as written, only an empty field (or a
        # listed marker) is missing, a quoted empty string is text.
        nulls = exp.Array(expressions=[exp.Literal.string(v)
                                       for v in dict.fromkeys(("", *target.csv_null_values))])
        options = [_named("delim", exp.Literal.string(target.csv_delimiter)),
                   _named("header", exp.true()), _named("all_varchar", exp.true()),
                   _named("nullstr", nulls), _named("allow_quoted_nulls", exp.false()), *options]
    function = "read_csv" if target.format == "csv" else "read_parquet"
    return exp.Anonymous(this=function, expressions=[files, *options])


def _ds_parameter(tree: exp.Expr, ds: dt.date | None, values: _Values) -> exp.Expr:
    """The query source's @ds: the run's ds as a literal (pasted) or a parameter (executed)."""
    if values.params is not None:
        if ds is not None and any(p.this.name.lower() == "ds" for p in tree.find_all(exp.Parameter)):
            values.params.append(Param("ds", "DATE", ds))
        return tree

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Parameter) and node.this.name.lower() == "ds" and ds is not None:
            return values.date(ds)
        return node

    return tree.transform(swap)


def _table_source(target: TableTarget, values: _Values) -> tuple[exp.Expr, list[exp.Expr]]:
    conditions = [sqlglot.parse_one(c, read="bigquery") for c in target.conditions if c.strip()]
    if target.query:
        inner = _ds_parameter(sqlglot.parse_one(target.query, read="bigquery"), target.ds, values)
        return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("source"))), \
            [exp.Paren(this=c) for c in conditions]
    parts = (target.table or "").split(".")
    table = exp.Table(this=exp.Identifier(this=parts[-1], quoted=True),
                      db=exp.Identifier(this=parts[-2], quoted=True) if len(parts) > 1 else None,
                      catalog=exp.Identifier(this=".".join(parts[:-2]), quoted=True)
                      if len(parts) > 2 else None)
    return table, [exp.Paren(this=c) for c in conditions]


def query(check: ValueCheck, target: Target, *, columns: tuple[str, ...] | None = None,
          limit: int | None = None, params: list[Param] | None = None) -> str:
    """SELECT the rows of `check` from `target`: every column when `columns` is None (the
    query a user pastes), else those columns, quoted. With `params`, values become
    parameters appended to it."""
    values = _Values(params)
    where: list[exp.Expr] = []
    source: exp.Expr
    if isinstance(target, FileTarget):
        source = _file_source(target)
        ds = _ds_condition(target, values)
        if ds is not None:
            where.append(ds)
    else:
        source, where = _table_source(target, values)
    where.append(predicate(check, params))
    select = exp.select(*([exp.Star()] if columns is None else [_col(c) for c in columns]))
    select = select.from_(source).where(exp.and_(*where))
    if limit is not None:
        select = select.limit(limit)
    return select.sql(dialect=_SQLGLOT[target.dialect], pretty=columns is None)


def select_all(target: FileTarget) -> str:
    """SELECT * over the files, as read (to learn the columns and their types)."""
    return exp.select(exp.Star()).from_(_file_source(target)).sql(dialect=_SQLGLOT[target.dialect])
