"""The Beam engine's BigQuery read: Beam's `ReadFromBigQuery` with `method=DIRECT_READ`, i.e.
the Storage Read API (column projection and the ds row restriction pushed down, streams split
between workers), never an export to GCS.

What to read is resolved once, on the launcher, the way dqv's own BigQuery source does it (the
same table name, partition predicate, row filter and columns; validator/sources/bigquery/source.py), so
a Dataflow job reads exactly the rows a local run reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import apache_beam as beam
import pyarrow as pa

from validator.errors import ConfigError
from validator.sources.bigquery.source import BigQueryTableSource

BQ_BATCH_ROWS = 50_000


@dataclasses.dataclass(frozen=True)
class BigQueryRead:
    """A BigQuery table (or one partition of it) read with the Storage Read API."""

    table: str  # PROJECT.DATASET.TABLE
    row_restriction: str | None = None
    columns: tuple[str, ...] | None = None

    @property
    def table_spec(self) -> str:
        """Beam's spelling: PROJECT:DATASET.TABLE."""
        parts = self.table.split(".")
        return f"{'.'.join(parts[:-2])}:{parts[-2]}.{parts[-1]}"


def bigquery_read_spec(source: BigQueryTableSource, ds: dt.date | None) -> BigQueryRead:
    """Table, ds restriction and columns for one run (asks BigQuery for the table's metadata,
    as the local read does, to check the partitioning and quote the predicate right)."""
    config = source.config
    if config.query:
        raise ConfigError("engine beam reads BigQuery tables, not queries (Beam cannot pass @ds "
                          "as a query parameter); use engine: local for a query job",
                          field="engine")
    table, restriction, fields = source.table_read(ds)
    return BigQueryRead(table.dotted, restriction or None, tuple(fields) or None)


def _rows_to_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(rows)


def read_bigquery(spec: BigQueryRead) -> beam.PTransform:
    """Rows from the Storage Read API, batched into Arrow record batches for TFDV."""
    from apache_beam.io.gcp.bigquery import ReadFromBigQuery

    @beam.ptransform_fn
    def _read(root: Any) -> Any:
        rows = root | "ReadFromBigQuery" >> ReadFromBigQuery(
            method=ReadFromBigQuery.Method.DIRECT_READ, table=spec.table_spec,
            row_restriction=spec.row_restriction,
            selected_fields=list(spec.columns) if spec.columns else None)
        return (rows
                | "Batch" >> beam.BatchElements(min_batch_size=1_000, max_batch_size=BQ_BATCH_ROWS)
                | "ToArrow" >> beam.Map(_rows_to_batch))

    return _read()
