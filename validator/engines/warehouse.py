"""The warehouse engine (`engine: warehouse`): BigQuery computes the partition's statistics.

No row leaves BigQuery and no Storage Read session is opened: the SQL of
validator.sources.bigquery.stats_sql runs as (at most) two query jobs per partition, one for
the aggregates of every column and one for the exact top values of the categorical columns,
each over only the selected columns and the partition's rows. Both are dry-run first; their
bytes are logged, recorded in the run (source_details.dry_run_bytes_processed) and checked
against source.maximum_bytes_billed before anything is billed (the jobs carry the cap too).

The answers become the same DatasetFeatureStatisticsList TFDV's generators give, built with
TFDV's own histogram functions (quantiles_util) from BigQuery's quantiles, with the invalid-value
counts attached as the local engine attaches them, so validation cannot tell the engines apart.
Exact: counts, missing, zeros, min/max/mean/std, lengths, value counts, distinct counts
(COUNT(DISTINCT)), top values and rank histogram. Approximate: median and histograms (from
APPROX_QUANTILES; the local engine's come from a KLL sketch, approximate as well).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.engines.progress import Progress
from validator.errors import ConfigError, DataError
from validator.sources.base import ReadStats, Source, SourcePlan
from validator.sources.bigquery import sql as bq_sql
from validator.sources.bigquery import stats_sql
from validator.stats.convert import InvalidValues

if TYPE_CHECKING:
    from validator.sources.bigquery.source import BigQueryTableSource

log = logging.getLogger("dqv")
NUM_TOP_VALUES = 20  # TFDV's default num_top_values
HISTOGRAM_BUCKETS = 10  # TFDV's num_histogram_buckets and num_quantiles_histogram_buckets
_KINDS = {schema_pb2.INT: stats_sql.INT, schema_pb2.FLOAT: stats_sql.FLOAT,
          schema_pb2.BYTES: stats_sql.BYTES}
_TYPES = {stats_sql.INT: statistics_pb2.FeatureNameStatistics.INT,
          stats_sql.FLOAT: statistics_pb2.FeatureNameStatistics.FLOAT,
          stats_sql.BYTES: statistics_pb2.FeatureNameStatistics.STRING}


def schema_features(schema: schema_pb2.Schema) -> dict[str, tuple[str, bool]]:
    """Top-level features: name -> (INT / FLOAT / BYTES, categorical). Categorical as TFDV
    decides it: BYTES, and INT with bool_domain, natural_language_domain or is_categorical."""
    out = {}
    for feature in schema.feature:
        if feature.type not in _KINDS:
            continue  # STRUCT features: the engine refuses STRUCT columns it is asked to read
        categorical = feature.type == schema_pb2.BYTES or (feature.type == schema_pb2.INT and (
            feature.int_domain.is_categorical or
            feature.WhichOneof("domain_info") in ("bool_domain", "natural_language_domain")))
        out[feature.name] = (_KINDS[feature.type], bool(categorical))
    return out


def cumulative_counts(quantiles: np.ndarray, total: float) -> np.ndarray:
    """Counts of values <= each quantile boundary, estimated from the boundaries alone
    (APPROX_QUANTILES gives no counts): boundary j of N holds j/N of the values, and equal
    boundaries share the count of the last of them (as TFDV's sketch reports ties)."""
    last = np.searchsorted(quantiles, quantiles, side="right") - 1
    steps = len(quantiles) - 1
    return np.asarray(total * last / steps if steps else np.full(len(quantiles), total), float)


def _common(row: dict[str, Any], i: int, column: stats_sql.Column,
            n: int) -> statistics_pb2.CommonStatistics:
    from tensorflow_data_validation.utils import quantiles_util

    present = int(row[f"c{i}_present"] or 0)
    common = statistics_pb2.CommonStatistics(num_non_missing=present, num_missing=n - present)
    if not present:
        return common
    if column.repeated:
        low, high = int(row[f"c{i}_nv_min"]), int(row[f"c{i}_nv_max"])
        total, quantiles = int(row[f"c{i}_nv_sum"]), np.asarray(row[f"c{i}_nv_q"], float)
    else:
        low = high = 1
        total, quantiles = present, np.ones(stats_sql.NUM_VALUES_QUANTILES + 1)
    common.min_num_values, common.max_num_values = low, high
    common.tot_num_values, common.avg_num_values = total, total / present
    common.num_values_histogram.CopyFrom(quantiles_util.generate_quantiles_histogram(
        quantiles, cumulative_counts(quantiles, present)))
    return common


def _numeric(row: dict[str, Any], i: int, values: int) -> statistics_pb2.NumericStatistics:
    from tensorflow_data_validation.utils import quantiles_util

    result = statistics_pb2.NumericStatistics()
    if not values:
        return result
    result.mean, result.std_dev = float(row[f"c{i}_mean"]), float(row[f"c{i}_std"] or 0.0)
    result.num_zeros = int(row[f"c{i}_zeros"])
    result.min, result.max = float(row[f"c{i}_min"]), float(row[f"c{i}_max"])
    quantiles = np.asarray(row[f"c{i}_q"], float)
    counts = cumulative_counts(quantiles, values)
    result.median = float(quantiles_util.find_median(quantiles))
    if np.isfinite(result.min) and np.isfinite(result.max):
        result.histograms.add().CopyFrom(quantiles_util.generate_equi_width_histogram(
            quantiles=quantiles, cumulative_counts=counts, finite_min=result.min,
            finite_max=result.max, num_buckets=HISTOGRAM_BUCKETS, num_pos_inf=0))
    factor = (len(quantiles) - 1) // HISTOGRAM_BUCKETS
    result.histograms.add().CopyFrom(quantiles_util.generate_quantiles_histogram(
        *quantiles_util.rebin_quantiles(quantiles, counts, factor)))
    return result


def _strings(row: dict[str, Any], i: int, values: int,
             top: Sequence[tuple[str, int]]) -> statistics_pb2.StringStatistics:
    result = statistics_pb2.StringStatistics()
    if f"c{i}_unique" not in row:  # a REPEATED column: only its number of values is computed
        return result
    result.unique = int(row[f"c{i}_unique"] or 0)
    if values:
        result.avg_length = float(row[f"c{i}_len"] or 0) / values
    for rank, (value, count) in enumerate(top):
        if rank < NUM_TOP_VALUES:
            result.top_values.add(value=value, frequency=count)
        result.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=value,
                                          sample_count=count)
    return result


def to_statistics(columns: Sequence[stats_sql.Column], row: dict[str, Any],
                  top: dict[int, list[tuple[str, int]]]
                  ) -> tuple[statistics_pb2.DatasetFeatureStatisticsList, dict[str, InvalidValues]]:
    """The queries' answers as TFDV statistics, and the invalid values per feature."""
    result = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = result.datasets.add()
    n = int(row["n"])
    invalid: dict[str, InvalidValues] = {}
    if not n:
        return result, invalid  # as TFDV: no features when there are no rows
    dataset.num_examples = n
    for i, column in enumerate(columns):
        feature = dataset.features.add(type=_TYPES[column.kind])
        feature.path.step.append(column.name)
        common = _common(row, i, column, n)
        if column.categorical:
            feature.string_stats.CopyFrom(_strings(row, i, common.tot_num_values, top.get(i, [])))
            feature.string_stats.common_stats.CopyFrom(common)
        else:
            values = 0 if column.repeated else common.tot_num_values
            feature.num_stats.CopyFrom(_numeric(row, i, values))
            feature.num_stats.common_stats.CopyFrom(common)
        count = int(row.get(f"c{i}_invalid") or 0)
        if count:
            examples = [e["value"] for e in row[f"c{i}_examples"] or [] if e["value"] is not None]
            invalid[column.name] = InvalidValues(column.kind, count, examples[:stats_sql.EXAMPLES])
    return result, invalid


@dataclasses.dataclass
class WarehouseEngine:
    """Statistics computed by BigQuery; the source's clients run the queries."""

    name: str = "warehouse"
    job_ids: list[str] = dataclasses.field(default_factory=list)
    bytes_processed: int = 0
    bytes_billed: int = 0

    def compute(self, source: Source, plan: SourcePlan, schema: schema_pb2.Schema,
                read: ReadStats, progress: Progress) -> statistics_pb2.DatasetFeatureStatisticsList:
        from validator.stats import accumulate as stats_lib

        if not plan.in_warehouse:  # the source declares it (sources/base.py SourcePlan)
            raise ConfigError("engine: warehouse computes statistics in BigQuery; it needs "
                              "source.kind: bigquery (use engine: local for this source)")
        ds = plan.ds
        source = cast("BigQueryTableSource", source)  # the only source whose plan is in_warehouse
        query_plan, fields = self._plan(source, ds, read)
        wanted = source.config.columns
        columns = stats_sql.plan_columns(fields, schema_features(schema), wanted)
        if wanted and not columns:
            raise DataError(f"none of source.columns is in {read.extra.get('table', 'the query')};"
                            " fix source.columns")
        queries = stats_sql.build(query_plan, columns)
        read.uri = source.uri(ds)
        read.extra["columns"] = [c.name for c in columns]
        statements = [q for q in (queries.aggregates, queries.top_values) if q]
        for sql in statements:
            log.debug("warehouse statistics query:\n%s", sql)
        estimate = sum(self._dry_run(source, sql, queries.params) for sql in statements)
        read.extra["dry_run_bytes_processed"] = estimate
        log.info("BigQuery dry run: the warehouse statistics queries will process %s (%d "
                 "column(s), %d job(s))", bq_sql.human_bytes(estimate), len(columns),
                 len(statements))
        bq_sql.check_cost(estimate, source.config.maximum_bytes_billed,
                          "the warehouse statistics queries")
        row = self._run(source, queries.aggregates, queries.params, read)[0]
        top: dict[int, list[tuple[str, int]]] = {}
        if queries.top_values:
            for answer in self._run(source, queries.top_values, queries.params, read):
                top.setdefault(int(answer["i"]), []).append((str(answer["v"]), int(answer["n"])))
        statistics, invalid = to_statistics(columns, row, top)
        read.rows = int(row["n"])
        read.extra["query_job_ids"] = list(self.job_ids)
        progress.update(read.rows)
        stats_lib.attach_invalid_values(statistics, invalid)
        return statistics

    def _plan(self, source: Any, ds: dt.date | None,
              read: ReadStats) -> tuple[stats_sql.SourcePlan, list[tuple[str, str, str]]]:
        config = source.config
        if config.query:
            return self._query_plan(source, ds)
        # table_read checks the job against the table (partitioning, full_scan, columns) and
        # gives the row restriction the Storage Read path would use, recorded for the run.
        table, restriction, _ = source.table_read(ds)
        fields = source.table_fields(table)
        read.extra.update({"table": table.dotted, "row_restriction": restriction})
        partition = None
        if config.partition is not None and ds is not None:
            if config.partition.ingestion_time:
                partition = stats_sql.partition_condition(None, None, ds)
            else:
                field = next(f for f in fields if f.name.lower() == config.partition.column.lower())
                partition = stats_sql.partition_condition(field.name, field.field_type, ds)
        plan = stats_sql.table_plan(table, partition, config.row_filter)
        return plan, [(f.name, f.field_type, f.mode) for f in fields]

    def _query_plan(self, source: Any, ds: dt.date | None
                    ) -> tuple[stats_sql.SourcePlan, list[tuple[str, str, str]]]:
        config = source.config
        params: list[stats_sql.Param] = []
        if "@ds" in config.query:
            if ds is None:
                raise DataError("the query uses @ds; pass --ds YYYY-MM-DD")
            params.append(stats_sql.Param("ds", "DATE", ds))
        dry = self._dry_job(source, config.query, tuple(params), "the query's dry run")
        fields = [(f.name, f.field_type, f.mode) for f in (dry.schema or [])]
        return stats_sql.query_plan(config.query, params, config.row_filter), fields

    def _dry_job(self, source: Any, sql: str, params: Sequence[stats_sql.Param], what: str) -> Any:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(dry_run=True, use_query_cache=False,
                                         query_parameters=_parameters(params))
        bq, timeout = source.clients.bigquery, source.config.timeout_seconds
        return source.call(what, lambda: bq.query(sql, job_config=config, retry=None,
                                                  job_retry=None, timeout=timeout))

    def _dry_run(self, source: Any, sql: str, params: Sequence[stats_sql.Param]) -> int:
        job = self._dry_job(source, sql, params, "the warehouse statistics query's dry run")
        return int(job.total_bytes_processed or 0)

    def _run(self, source: Any, sql: str, params: Sequence[stats_sql.Param],
             read: ReadStats) -> list[dict[str, Any]]:
        from google.api_core import exceptions as gexc
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=_parameters(params))
        if source.config.maximum_bytes_billed is not None:
            config.maximum_bytes_billed = source.config.maximum_bytes_billed
        bq, timeout = source.clients.bigquery, source.config.timeout_seconds
        # One job id for every attempt: a retry after a lost answer finds the first job.
        job_id = f"dqv_wh_{uuid.uuid4().hex}"

        def submit() -> Any:
            try:
                return bq.query(sql, job_config=config, job_id=job_id, retry=None,
                                job_retry=None, timeout=timeout)
            except gexc.Conflict:
                return bq.get_job(job_id, timeout=timeout)

        what = "running the warehouse statistics query"
        job = source.call(what, submit)
        rows = source.call(what, lambda: [dict(r.items()) for r in job.result(timeout=None)])
        self.job_ids.append(job.job_id)
        self.bytes_processed += int(job.total_bytes_processed or 0)
        self.bytes_billed += int(job.total_bytes_billed or 0)
        read.extra.update({"bytes_processed": self.bytes_processed,
                           "bytes_billed": self.bytes_billed})
        return rows


def _parameters(params: Sequence[stats_sql.Param]) -> list[Any]:
    from google.cloud import bigquery

    return [bigquery.ScalarQueryParameter(p.name, p.type, p.value) for p in params]
