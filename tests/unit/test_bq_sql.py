"""The pure parts of the BigQuery source: names, quoting, the ds row restriction, the cost
rule, the endpoint setting and the job fields (errors name file, line and field)."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from validator.config.job import load_job
from validator.errors import ConfigError, DataError
from validator.sources.bigquery import sql as bq_sql
from validator.sources.bigquery.clients import endpoint_from, parse_endpoint

DS = dt.date(2026, 11, 7)


def test_table_names() -> None:
    assert bq_sql.table_name("d.t", "proj", None).dotted == "proj.d.t"
    assert bq_sql.table_name("other.d.t", "proj", None).storage_path == \
        "projects/other/datasets/d/tables/t"
    assert bq_sql.table_name("example.com:p.d.t", "proj", None).project == "example.com:p"
    assert bq_sql.table_name("d.events_{ds_nodash}", "proj", DS).table == "events_20261107"
    with pytest.raises(DataError, match="pass --ds"):
        bq_sql.table_name("d.events_{ds_nodash}", "proj", None)


def test_identifiers_are_quoted() -> None:
    assert bq_sql.quote_identifier("ds") == "`ds`"
    # A hostile column name stays one identifier.
    assert bq_sql.quote_identifier("a` OR TRUE OR `b") == "`a\\` OR TRUE OR \\`b`"
    assert bq_sql.quote_identifier("x\\") == "`x\\\\`"


@pytest.mark.parametrize(("kind", "expected"), [
    ("DATE", "`ds` = DATE '2026-11-07'"),
    ("TIMESTAMP", "`ds` >= TIMESTAMP '2026-11-07 00:00:00+00' AND "
                  "`ds` < TIMESTAMP '2026-11-08 00:00:00+00'"),
    ("DATETIME", "`ds` >= DATETIME '2026-11-07 00:00:00' AND `ds` < DATETIME '2026-11-08 00:00:00'"),
])
def test_partition_predicates(kind: str, expected: str) -> None:
    assert bq_sql.partition_predicate("ds", kind, DS) == expected


def test_ingestion_time_uses_partitiondate() -> None:
    assert bq_sql.partition_predicate(None, None, DS) == "_PARTITIONDATE = DATE '2026-11-07'"


def test_partition_column_must_be_a_date_type() -> None:
    with pytest.raises(DataError, match="must be DATE, TIMESTAMP or DATETIME"):
        bq_sql.partition_predicate("id", "INTEGER", DS)


def test_a_row_filter_cannot_widen_the_day() -> None:
    day = bq_sql.partition_predicate("ds", "DATE", DS)
    assert bq_sql.row_restriction(day, "country = 'US' OR TRUE") == \
        "(`ds` = DATE '2026-11-07') AND (country = 'US' OR TRUE)"
    assert bq_sql.row_restriction(None, " ") == ""
    assert bq_sql.row_restriction(day, None) == day


def test_cost_cap() -> None:
    bq_sql.check_cost(10**9, None, "the query")  # no cap: anything goes
    bq_sql.check_cost(10**9, 10**9, "the query")  # exactly the cap is allowed
    with pytest.raises(DataError) as err:
        bq_sql.check_cost(2_500_000_000, 10**9, "the query")
    assert str(err.value) == ("the query would bill 2,500,000,000 bytes (2.5 GB), above "
                              "source.maximum_bytes_billed = 1,000,000,000 (1.0 GB); raise the cap, "
                              "select fewer columns or narrow the query")


def test_endpoint_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = parse_endpoint("http://127.0.0.1:9050/,127.0.0.1:9060")
    assert (endpoint.rest_url, endpoint.storage_address, endpoint.secure) == \
        ("http://127.0.0.1:9050", "127.0.0.1:9060", False)
    monkeypatch.setenv("DQV_BIGQUERY_ENDPOINT", "https://bq.internal,bq-grpc.internal:443")
    assert endpoint_from(None) is not None and endpoint_from(None).secure  # type: ignore[union-attr]
    assert endpoint_from("http://a:1,a:2") == parse_endpoint("http://a:1,a:2")  # job wins
    monkeypatch.delenv("DQV_BIGQUERY_ENDPOINT")
    assert endpoint_from(None) is None
    with pytest.raises(ConfigError, match="REST_URL,GRPC_HOST:PORT"):
        parse_endpoint("127.0.0.1:9050")


JOB = """name: bq
schema: schemas/training_events.pbtxt
source:
  kind: bigquery
  table: dqv_sample.training_events
  partition:
    column: ds
"""


def _load(tmp_path: pathlib.Path, text: str) -> object:
    path = tmp_path / "jobs" / "bq.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return load_job(path)


def test_bigquery_job_parses(tmp_path: pathlib.Path) -> None:
    job = _load(tmp_path, JOB)
    assert job.source.kind == "bigquery"  # type: ignore[attr-defined]
    assert job.source.max_streams == 4  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    (JOB.replace("  table: dqv_sample.training_events\n", ""), 3, "source", "exactly one of 'table'"),
    (JOB + "  query: SELECT 1\n", 3, "source", "exactly one of 'table' or 'query'"),
    (JOB.replace("column: ds", "column: ds\n    ingestion_time: true"), 6, "source.partition",
     "exactly one of"),
    (JOB.replace("dqv_sample.training_events", "training_events"), 5, "source.table",
     "dataset.table"),
    (JOB.replace("training_events\n", "events_{ds}\n"), 5, "source.table", "{ds_nodash}"),
    (JOB + "  maximum_bytes_billed: 0\n", 8, "source.maximum_bytes_billed", "greater than"),
    (JOB + "  full_scan: true\n", 3, "source", "full_scan"),
    (JOB + "  colums: [a]\n", 8, "source.colums", "unknown field"),
    (JOB.replace("kind: bigquery", "kind: bigqueri"), 4, "source.kind",
     "'bigqueri' is not one of 'local', 'bigquery'"),
    (JOB.replace("  kind: bigquery\n", ""), 3, "source.kind", "required field is missing"),
])
def test_job_errors_name_line_and_field(tmp_path: pathlib.Path, text: str, line: int, field: str,
                                        words: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    assert (err.value.line, err.value.field) == (line, field), str(err.value)
    assert words in str(err.value)


def _source(retries: int = 1, cap: int | None = None) -> object:
    from validator.config.job import BigQuerySource
    from validator.sources.bigquery.clients import BigQueryClients
    from validator.sources.bigquery.source import BigQueryTableSource

    config = BigQuerySource(kind="bigquery", table="d.t", retries=retries, maximum_bytes_billed=cap)
    # No server is called here: only how errors are classified and retried.
    clients = BigQueryClients(bigquery=None, read=None, project="p",
                              endpoint=parse_endpoint("http://127.0.0.1:1,127.0.0.1:2"))
    return BigQueryTableSource(config, clients)


@pytest.mark.parametrize(("error", "words"), [
    ("Forbidden", "permission denied (Access Denied: Table p:d.t more text); the credentials need roles "
                  "bigquery.dataViewer"),
    ("NotFound", "not found (Access Denied: Table p:d.t more text)"),
    ("BadRequest", "BigQuery rejected it (Access Denied: Table p:d.t more text)"),
])
def test_service_errors_become_one_line(error: str, words: str) -> None:
    from google.api_core import exceptions

    source = _source()
    calls = []

    def call() -> None:
        calls.append(1)
        raise getattr(exceptions, error)("Access Denied: Table p:d.t\nmore text")

    with pytest.raises(DataError) as err:
        source._call("reading table p.d.t", call)  # type: ignore[attr-defined]
    assert str(err.value).startswith("reading table p.d.t: ")
    assert words in str(err.value)
    assert "\n" not in str(err.value)
    assert calls == [1]  # not retried: asking again would not help


def test_unreachable_is_retried_then_given_up(caplog: pytest.LogCaptureFixture) -> None:
    source = _source(retries=1)
    calls = []

    def call() -> None:
        calls.append(1)
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(DataError) as err:
        source._call("reading table p.d.t", call)  # type: ignore[attr-defined]
    assert calls == [1, 1]
    assert str(err.value).startswith("BigQuery unreachable at http://127.0.0.1:1: reading table "
                                     "p.d.t failed 2 time(s) (last error: connection refused)")
    assert "retry 1 of 1" in caplog.text


def test_bytes_billed_limit_from_bigquery_says_so() -> None:
    from google.api_core import exceptions

    source = _source(cap=1000)  # the cap message only when a cap is set (issue 13)

    def call() -> None:
        raise exceptions.BadRequest("Query exceeded limit for bytes billed: 1000. 10485760 or "
                                    "higher required.", errors=[{"reason": "bytesBilledLimitExceeded"}])

    with pytest.raises(DataError, match=r"stopped by source\.maximum_bytes_billed"):
        source._call("running the query", call)  # type: ignore[attr-defined]
