"""Row evidence of a BigQuery source: one query job per finding, the values as query
parameters, LIMIT N, and the job's cost cap.

What it costs: BigQuery bills a query by the columns it reads over the whole partition, and a
LIMIT does not lower that. So each finding's sample bills about the size of the selected
columns in the day's partition (a query source: the query again, as a subquery). Each query is
dry-run first: above `source.maximum_bytes_billed` it is refused before any byte is billed, and
the job runs with that cap. The dry-run and billed bytes are recorded per finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from validator.core import evidence_sql
from validator.core.evidence_sql import Param, TableTarget, ValueCheck
from validator.sources.base import SourcePlan
from validator.sources.bigquery import sql as bq_sql
from validator.sources.evidence import EvidenceTarget, Sample, as_text

if TYPE_CHECKING:
    from validator.sources.bigquery.source import BigQueryTableSource


def table_target(source: BigQueryTableSource, plan: SourcePlan) -> EvidenceTarget:
    config = source.config
    if config.query:
        target = TableTarget(query=config.query, conditions=tuple(
            c for c in (config.row_filter,) if c), ds=plan.ds)
        return EvidenceTarget(target, _query_types(source, config.query, plan))
    table, restriction, _ = source.table_read(plan.ds)
    types = {f.name: str(f.field_type).upper() == "STRING" for f in source.table_fields(table)}
    return EvidenceTarget(TableTarget(table=table.dotted, conditions=(restriction,) if restriction
                                      else (), ds=plan.ds), types)


def _query_types(source: BigQueryTableSource, query: str, plan: SourcePlan) -> dict[str, bool]:
    """The query result's columns, from a dry run (free); {} when it does not say."""
    from google.cloud import bigquery

    params = [bigquery.ScalarQueryParameter("ds", "DATE", plan.ds)] if "@ds" in query and plan.ds \
        else []
    dry = source.call("the query's dry run", lambda: source.clients.bigquery.query(
        query, job_config=bigquery.QueryJobConfig(dry_run=True, use_query_cache=False,
                                                  query_parameters=params),
        retry=None, job_retry=None, timeout=source.config.timeout_seconds))
    fields = getattr(dry, "schema", None) or []
    return {f.name: str(f.field_type).upper() == "STRING" for f in fields}


def _parameter(param: Param) -> Any:
    from google.cloud import bigquery

    return bigquery.ScalarQueryParameter(param.name, param.type, param.value)


def sample(source: BigQueryTableSource, target: EvidenceTarget, check: ValueCheck,
           columns: tuple[str, ...], limit: int) -> Sample:
    from google.cloud import bigquery

    assert isinstance(target.target, TableTarget)
    params: list[Param] = []
    sql = evidence_sql.query(check, target.target, columns=columns, limit=limit, params=params)
    query_params = [_parameter(p) for p in params]
    config, bq = source.config, source.clients.bigquery
    timeout = config.timeout_seconds
    dry = source.call("the evidence query's dry run", lambda: bq.query(
        sql, job_config=bigquery.QueryJobConfig(dry_run=True, use_query_cache=False,
                                                query_parameters=query_params),
        retry=None, job_retry=None, timeout=timeout))
    estimate = int(dry.total_bytes_processed or 0)
    bq_sql.check_cost(estimate, config.maximum_bytes_billed, "the evidence query")
    job_config = bigquery.QueryJobConfig(query_parameters=query_params)
    if config.maximum_bytes_billed is not None:  # None is not a cap (and not valid JSON there)
        job_config.maximum_bytes_billed = config.maximum_bytes_billed
    job = source.submit_query(sql, job_config, "running the evidence query", "dqv_evidence")
    rows = source.call("reading the evidence rows", lambda: list(job.result(timeout=timeout)))
    return Sample(rows=[tuple(as_text(v) for v in row.values()) for row in rows],
                  cost={"dry_run_bytes_processed": estimate,
                        "bytes_billed": int(job.total_bytes_billed or 0),
                        "bytes_processed": int(job.total_bytes_processed or 0),
                        "query_job_id": job.job_id})
