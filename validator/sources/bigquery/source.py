"""BigQuery as a source: a table, one date partition of it, or a query, read through the
Storage Read API in Arrow format with several streams in parallel.

A query runs first (after a dry run checked its cost) and its result is read from its
destination table the same way. Rows are never paged through REST. Clients come from
validator.sources.bigquery.clients (built once, or passed in).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyarrow as pa

from validator.config.job import BigQuerySource
from validator.core.evidence_sql import ValueCheck
from validator.core.suggest import did_you_mean
from validator.errors import (
    DataError,
    DataNotFound,
    SourceUnavailable,
)
from validator.sources.base import ReadStats, Shard, SourcePlan
from validator.sources.bigquery import sql as bq_sql
from validator.sources.bigquery.clients import BigQueryClients, build_clients, endpoint_from, import_google
from validator.sources.bigquery.errors import as_data_error, is_transient, one_line
from validator.sources.evidence import EvidenceTarget, Sample

log = logging.getLogger("dqv")
T = TypeVar("T")
_DONE = object()
_PSEUDO_COLUMNS = ("_partitiontime", "_partitiondate", "_table_suffix", "_file_name")


class BigQueryTableSource:
    """The `Source` for `kind: bigquery` jobs."""

    def __init__(self, config: BigQuerySource, clients: BigQueryClients | None = None, *,
                 features: frozenset[str] = frozenset()) -> None:
        self.config = config
        self._clients = clients
        # The schema's feature names: the partition column and pseudo-columns are read (and
        # become statistics) only when the schema names them.
        self.features = features

    @property
    def clients(self) -> BigQueryClients:
        if self._clients is None:
            self._clients = build_clients(self.config.project, endpoint_from(self.config.endpoint),
                                          self.config.location)
        return self._clients

    def uri(self, ds: dt.date | None) -> str:
        if self.config.query:
            digest = hashlib.sha256(self.config.query.encode()).hexdigest()[:12]
            return f"bq://{self.clients.project}/query/{digest}" + (f"?ds={ds}" if ds else "")
        table = bq_sql.table_name(self.config.table or "", self.clients.project, ds)
        part = f"${ds.strftime('%Y%m%d')}" if self.config.partition and ds else ""
        return f"bq://{table.dotted}{part}"

    # -- calls with retries and one-line errors ------------------------------------------------

    def _call(self, what: str, call: Callable[[], T]) -> T:
        attempts = self.config.retries + 1
        delay = 0.5
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except Exception as err:
                if not is_transient(err):
                    raise self._as_data_error(err, what) from None
                if attempt == attempts:
                    raise SourceUnavailable(
                        f"BigQuery unreachable at {self.clients.where}: {what} failed {attempts} "
                        f"time(s) (last error: {one_line(err)}); check that the server is up, "
                        "source.endpoint / DQV_BIGQUERY_ENDPOINT and the network") from None
                log.warning("BigQuery at %s unreachable (%s); retry %d of %d in %.1f s",
                            self.clients.where, one_line(err)[:120], attempt, attempts - 1, delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")

    def _as_data_error(self, err: BaseException, what: str) -> BaseException:
        return as_data_error(err, what, self.config.maximum_bytes_billed)

    # -- what to read ----------------------------------------------------------------------------

    def _get_table(self, table: bq_sql.TableName) -> Any:

        bq, timeout = self.clients.bigquery, self.config.timeout_seconds
        try:
            return self._call(f"reading table {table.dotted}", lambda: bq.get_table(
                table.dotted, retry=None, timeout=timeout))
        except DataNotFound:
            pass
        # Say which part is missing: BigQuery (and the emulator) do not always.
        dataset = f"{table.project}.{table.dataset}"
        try:
            self._call(f"reading dataset {dataset}", lambda: bq.get_dataset(
                dataset, retry=None, timeout=timeout))
        except DataNotFound:
            # A missing dataset is a wrong job, not late data: not evaluated.
            raise DataError(f"dataset {dataset} not found (looking for table {table.dotted}); "
                            "check source.table and source.project") from None
        message = (f"table {table.dotted} not found in dataset {dataset}; check source.table "
                   "(and --ds for a date-sharded {ds_nodash} table)")
        # Only a date-sharded table's missing day is data that has not landed yet (not ready).
        if "{ds_nodash}" in (self.config.table or ""):
            raise DataNotFound(message) from None
        raise DataError(message) from None

    def _ds_condition(self, meta: Any, table: bq_sql.TableName, ds: dt.date | None) -> str | None:
        """The partition's row restriction, after checking the job matches how the table is
        partitioned; refuses a whole partitioned table unless full_scan is set."""
        timed, ranged = meta.time_partitioning, meta.range_partitioning
        by = (f"column '{timed.field}'" if timed and timed.field else "ingestion time" if timed
              else f"integer ranges of '{ranged.field}'" if ranged else "")
        part = self.config.partition
        if part is None:
            if by and not self.config.full_scan:
                raise DataError(f"table {table.dotted} is partitioned by {by}; reading all of it can "
                                "cost a lot: set source.partition, or full_scan: true to mean it")
            return None
        if ds is None:
            raise DataError("this job reads one partition per day; pass --ds YYYY-MM-DD")
        if part.ingestion_time:
            if not timed or timed.field:
                raise DataError(f"table {table.dotted} is not partitioned by ingestion time "
                                f"({'it is by ' + by if by else 'not partitioned'}); use "
                                "source.partition.column")
            return bq_sql.partition_predicate(None, None, ds)
        field = next((f for f in meta.schema if f.name.lower() == (part.column or "").lower()), None)
        if field is None:
            hint = did_you_mean(part.column or "", [f.name for f in meta.schema])
            raise DataError(f"partition column '{part.column}' is not in table {table.dotted}"
                            f"{hint}; fix source.partition.column")
        return bq_sql.partition_predicate(field.name, field.field_type, ds)

    def _run_query(self, ds: dt.date | None, stats: ReadStats) -> bq_sql.TableName:
        from google.cloud import bigquery

        sql = self.config.query or ""
        params = []
        if "@ds" in sql:
            if ds is None:
                raise DataError("the query uses @ds; pass --ds YYYY-MM-DD")
            params.append(bigquery.ScalarQueryParameter("ds", "DATE", ds))
        bq, timeout = self.clients.bigquery, self.config.timeout_seconds
        dry = self._call("the query's dry run", lambda: bq.query(
            sql, job_config=bigquery.QueryJobConfig(dry_run=True, use_query_cache=False,
                                                    query_parameters=params),
            retry=None, job_retry=None, timeout=timeout))
        estimate = int(dry.total_bytes_processed or 0)
        stats.extra["dry_run_bytes_processed"] = estimate
        log.info("BigQuery dry run: the query will process %s", bq_sql.human_bytes(estimate))
        bq_sql.check_cost(estimate, self.config.maximum_bytes_billed, "the query")
        config = bigquery.QueryJobConfig(query_parameters=params)
        if self.config.maximum_bytes_billed is not None:  # None is no cap (and refused as one)
            config.maximum_bytes_billed = self.config.maximum_bytes_billed
        job = self.submit_query(sql, config, "running the query")
        self._call("running the query", lambda: job.result(timeout=None))
        stats.extra["query_job_id"] = job.job_id
        stats.extra["bytes_billed"] = int(job.total_bytes_billed or 0)
        stats.extra["bytes_processed"] = int(job.total_bytes_processed or 0)
        dest = job.destination
        return bq_sql.TableName(dest.project, dest.dataset_id, dest.table_id)

    def submit_query(self, sql: str, config: Any, what: str, prefix: str = "dqv") -> Any:
        """Start a query job (with retries). One job id for every attempt: a retry after a lost
        answer finds the job the first attempt made instead of billing the query twice."""
        bq, timeout = self.clients.bigquery, self.config.timeout_seconds
        job_id = f"{prefix}_{uuid.uuid4().hex}"

        def submit() -> Any:
            from google.api_core import exceptions as gexc

            try:
                return bq.query(sql, job_config=config, job_id=job_id, retry=None, job_retry=None,
                                timeout=timeout)
            except gexc.Conflict:
                return bq.get_job(job_id, timeout=timeout)

        return self._call(what, submit)

    def call(self, what: str, call: Callable[[], T]) -> T:
        """One BigQuery call with this source's retries and one-line errors (for engines that
        query the table themselves: validator.engines.warehouse)."""
        return self._call(what, call)

    def table_fields(self, table: bq_sql.TableName) -> list[Any]:
        """The table's fields (google.cloud.bigquery.SchemaField: name, field_type, mode)."""
        return list(self._get_table(table).schema)

    def estimated_rows(self, ds: dt.date | None) -> int | None:
        """Rows of what this ds reads, from metadata (engine: auto): the day's partition in
        INFORMATION_SCHEMA.PARTITIONS when the job reads the table's own DAY partitions, else
        the table's row count (an upper bound); None for a query."""
        if self.config.query:
            return None
        table = bq_sql.table_name(self.config.table or "", self.clients.project, ds)
        meta = self._get_table(table)
        timed, part = meta.time_partitioning, self.config.partition
        own = part is not None and ds is not None and timed is not None and (
            (part.ingestion_time and not timed.field) or
            (part.column or "").lower() == (timed.field or "").lower() != "")
        if not own or ds is None:
            return int(meta.num_rows or 0)
        from google.cloud import bigquery

        sql = (f"SELECT SUM(total_rows) AS n FROM `{table.project}.{table.dataset}`."
               "INFORMATION_SCHEMA.PARTITIONS WHERE table_name = @t AND partition_id = @p")
        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("t", "STRING", table.table),
            bigquery.ScalarQueryParameter("p", "STRING", ds.strftime("%Y%m%d"))])
        try:
            rows = self._call("reading the partition's row count", lambda: list(
                self.clients.bigquery.query(sql, job_config=config, retry=None, job_retry=None,
                                            timeout=self.config.timeout_seconds).result()))
        except DataError:
            return int(meta.num_rows or 0)
        return int(rows[0]["n"] or 0) if rows else 0

    # -- reading -----------------------------------------------------------------------------------

    def table_read(self, ds: dt.date | None) -> tuple[bq_sql.TableName, str, list[str]]:
        """What a table job reads for this ds: the table, the row restriction (partition and
        row filter) and the selected columns, after checking them against the table's metadata.
        Other readers of the same rows (the Beam engine) use this too."""
        table = bq_sql.table_name(self.config.table or "", self.clients.project, ds)
        meta = self._get_table(table)
        condition = self._ds_condition(meta, table, ds)
        restriction = bq_sql.row_restriction(condition, self.config.row_filter)
        return table, restriction, self._selected_fields(meta, table)

    def plan(self, ds: dt.date | None, estimate_rows: bool = False) -> SourcePlan:
        """What a run reads. The row count costs a metadata query: only when asked (auto)."""
        return SourcePlan(ds=ds, uri=self.uri(ds), in_warehouse=True,
                          estimated_rows=self.estimated_rows(ds) if estimate_rows else None)

    def evidence_target(self, plan: SourcePlan) -> EvidenceTarget:  # bigquery/evidence.py
        from validator.sources.bigquery.evidence import table_target
        return table_target(self, plan)

    def sample_rows(self, plan: SourcePlan, target: EvidenceTarget, check: ValueCheck,
                    columns: tuple[str, ...], limit: int) -> Sample:
        from validator.sources.bigquery.evidence import sample
        return sample(self, target, check, columns, limit)

    def split(self, plan: SourcePlan, n: int) -> list[Shard] | None:
        return None  # the Storage Read streams are read in threads of one process

    def beam_read(self, plan: SourcePlan, spread: bool) -> Any:
        from validator.sources.bigquery.beam_read import bigquery_read_spec, read_bigquery

        return read_bigquery(bigquery_read_spec(self, plan.ds))

    def read(self, ds: dt.date | None, stats: ReadStats, plan: SourcePlan | None = None
             ) -> Iterator[pa.RecordBatch]:
        import_google()
        from google.cloud.bigquery_storage_v1 import types

        clients = self.clients
        if self.config.query:
            table = self._run_query(ds, stats)
            meta = self._get_table(table)
            restriction = bq_sql.row_restriction(self.config.row_filter)
            fields = self._selected_fields(meta, table)
        else:
            table, restriction, fields = self.table_read(ds)
        stats.uri = self.uri(ds)
        request = types.ReadSession(
            table=table.storage_path, data_format=types.DataFormat.ARROW,
            read_options=types.ReadSession.TableReadOptions(selected_fields=fields,
                                                            row_restriction=restriction))
        session = self._call(f"opening a read session on {table.dotted}",
                             lambda: clients.read.create_read_session(
                                 parent=f"projects/{clients.project}", read_session=request,
                                 max_stream_count=self.config.max_streams, retry=None,
                                 timeout=self.config.timeout_seconds))
        estimate = int(session.estimated_total_bytes_scanned or 0)
        stats.extra.update({"table": table.dotted, "row_restriction": restriction,
                            "streams": len(session.streams), "estimated_bytes_scanned": estimate})
        if not self.config.query:
            bq_sql.check_cost(estimate, self.config.maximum_bytes_billed,
                              f"reading {table.dotted}")
        log.info("BigQuery: reading %s with %d Storage Read stream(s) (~%s to scan)%s",
                 table.dotted, len(session.streams), bq_sql.human_bytes(estimate),
                 f" where {restriction}" if restriction else "")
        if not session.streams:
            log.info("BigQuery: no rows in %s%s", table.dotted,
                     f" where {restriction}" if restriction else "")
            return
        schema = pa.ipc.read_schema(pa.py_buffer(session.arrow_schema.serialized_schema))
        yield from self._read_streams([s.name for s in session.streams], schema, stats)

    def _not_features(self) -> set[str]:
        """Lower-cased names that select rows rather than describe them: the partition column
        and BigQuery's pseudo-columns, unless the schema names them."""
        names = set(_PSEUDO_COLUMNS)
        if self.config.partition and self.config.partition.column:
            names.add(self.config.partition.column.lower())
        return names - {f.lower() for f in self.features}

    def column_names(self, ds: dt.date | None) -> list[str] | None:
        """The table's columns (None for a query or a table that is not there yet)."""
        if self.config.query:
            return None
        try:
            meta = self._get_table(bq_sql.table_name(self.config.table or "", self.clients.project, ds))
        except DataError:
            return None
        return [f.name for f in meta.schema]

    def _selected_fields(self, meta: Any, table: bq_sql.TableName) -> list[str]:
        if not self.config.columns:
            skip = self._not_features()
            names = [f.name for f in meta.schema]
            # [] reads every column; else every column but the partition and pseudo-columns.
            return [] if not skip & {n.lower() for n in names} else \
                [n for n in names if n.lower() not in skip]
        present = {f.name.lower(): f.name for f in meta.schema}
        chosen = [present[c.lower()] for c in self.config.columns if c.lower() in present]
        if not chosen:
            hint = "".join(did_you_mean(c, present.values()) for c in self.config.columns)
            raise DataError(f"none of source.columns is in {table.dotted}{hint}; fix "
                            "source.columns")
        # Columns that are missing stay missing: validation reports them (SCHEMA_MISSING_COLUMN).
        return chosen

    def _read_streams(self, names: list[str], schema: pa.Schema,
                      stats: ReadStats) -> Iterator[pa.RecordBatch]:
        """Read every stream in its own thread; yield batches as they arrive."""
        items: queue.Queue[Any] = queue.Queue(maxsize=4 * len(names))
        stop = threading.Event()
        read = self.clients.read
        from google.api_core import exceptions as gexc
        from google.api_core import retry as gretry

        retry = gretry.Retry(predicate=gretry.if_exception_type(gexc.ServiceUnavailable,
                                                                gexc.DeadlineExceeded),
                             initial=0.5, multiplier=2.0, maximum=10.0,
                             timeout=self.config.timeout_seconds)

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    items.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def worker(name: str) -> None:
            try:
                # No deadline on the stream as a whole (a big partition streams for minutes),
                # but reconnecting after a dropped connection gives up after timeout_seconds.
                for response in read.read_rows(name, retry=retry):
                    data = response.arrow_record_batch.serialized_record_batch
                    if not data:
                        continue
                    batch = pa.ipc.read_record_batch(pa.py_buffer(data), schema)
                    if not put((batch, len(data))):
                        return
            except BaseException as err:  # handed to the reading thread, raised there
                put(err)
            finally:
                put(_DONE)

        threads = [threading.Thread(target=worker, args=(name,), daemon=True,
                                    name=f"dqv-bq-stream-{i}") for i, name in enumerate(names)]
        for thread in threads:
            thread.start()
        try:
            finished = 0
            while finished < len(threads):
                item = items.get()
                if item is _DONE:
                    finished += 1
                    continue
                if isinstance(item, BaseException):
                    if is_transient(item):
                        raise DataError(f"BigQuery at {self.clients.where} stopped answering while "
                                        f"reading ({one_line(item)}); run the job again") from None
                    raise self._as_data_error(item, "reading a Storage Read stream") from None
                batch, nbytes = item
                stats.rows += batch.num_rows
                stats.bytes_read += nbytes
                yield batch
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
