"""Pure pieces of the BigQuery source: names, quoting, the row restriction of one ds, and the
cost rule. No client here, so all of it is unit-tested without a server."""

from __future__ import annotations

import dataclasses
import datetime as dt

from validator.errors import CostCapExceeded, DataError


@dataclasses.dataclass(frozen=True)
class TableName:
    project: str
    dataset: str
    table: str

    @property
    def dotted(self) -> str:
        return f"{self.project}.{self.dataset}.{self.table}"

    @property
    def storage_path(self) -> str:
        """The name the Storage Read API takes."""
        return f"projects/{self.project}/datasets/{self.dataset}/tables/{self.table}"


def table_name(text: str, default_project: str, ds: dt.date | None) -> TableName:
    """'[project.]dataset.table' with an optional {ds_nodash} placeholder (date-sharded tables)."""
    if "{ds_nodash}" in text:
        if ds is None:
            raise DataError(f"table '{text}' has a {{ds_nodash}} placeholder; pass --ds YYYY-MM-DD")
        text = text.replace("{ds_nodash}", ds.strftime("%Y%m%d"))
    parts = text.split(".")
    if len(parts) == 2:
        return TableName(default_project, parts[0], parts[1])
    # A project id may hold a domain prefix with dots ('example.com:proj').
    return TableName(".".join(parts[:-2]), parts[-2], parts[-1])


def quote_identifier(name: str) -> str:
    """A GoogleSQL quoted identifier: column names from job files never become SQL syntax."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def partition_predicate(column: str | None, column_type: str | None, ds: dt.date) -> str:
    """The condition selecting one day. `column=None` means ingestion-time partitioning."""
    day, next_day = ds.isoformat(), (ds + dt.timedelta(days=1)).isoformat()
    if column is None:
        return f"_PARTITIONDATE = DATE '{day}'"
    quoted = quote_identifier(column)
    kind = (column_type or "").upper()
    if kind == "DATE":
        return f"{quoted} = DATE '{day}'"
    if kind == "TIMESTAMP":
        # A half-open range keeps BigQuery's partition pruning (a function on the column would not).
        return f"{quoted} >= TIMESTAMP '{day} 00:00:00+00' AND {quoted} < TIMESTAMP '{next_day} 00:00:00+00'"
    if kind == "DATETIME":
        return f"{quoted} >= DATETIME '{day} 00:00:00' AND {quoted} < DATETIME '{next_day} 00:00:00'"
    raise DataError(f"partition column '{column}' is {kind or 'of unknown type'}; it must be "
                    "DATE, TIMESTAMP or DATETIME (fix source.partition.column)")


def row_restriction(*conditions: str | None) -> str:
    """AND of the given conditions, each parenthesized so a user's OR cannot widen the ds."""
    kept = [c.strip() for c in conditions if c and c.strip()]
    if len(kept) == 1:
        return kept[0]
    return " AND ".join(f"({c})" for c in kept)


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{n} B"


def check_cost(estimate: int, cap: int | None, what: str) -> None:
    """Refuse before any byte is billed when the estimate passes maximum_bytes_billed."""
    if cap is not None and estimate > cap:
        raise CostCapExceeded(f"{what} would bill {estimate:,} bytes ({human_bytes(estimate)}), above "
                        f"source.maximum_bytes_billed = {cap:,} ({human_bytes(cap)}); raise the "
                        "cap, select fewer columns or narrow the query")


# What each BigQuery type arrives as through the Storage Read API (Arrow), and what TFDV
# sees after validator.stats.convert (docs/bigquery.md "Type mapping").
TYPE_MAPPING: dict[str, tuple[str, str]] = {
    "INT64": ("int64", "INT"),
    "FLOAT64": ("double", "FLOAT"),
    "NUMERIC": ("decimal128(38, 9)", "FLOAT"),
    "BIGNUMERIC": ("decimal256(76, 38)", "FLOAT"),
    "BOOL": ("bool", "INT (0/1)"),
    "STRING": ("string", "BYTES"),
    "BYTES": ("binary", "BYTES"),
    "DATE": ("date32", "INT (days since 1970-01-01)"),
    "DATETIME": ("timestamp[us]", "INT (seconds since 1970-01-01)"),
    "TIMESTAMP": ("timestamp[us, UTC]", "INT (seconds since the epoch)"),
    "REPEATED": ("list<T>", "a list feature of T's type"),
    "STRUCT": ("struct<...>", "STRUCT: nested features parent.child"),
}
