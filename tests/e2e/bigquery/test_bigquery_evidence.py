"""Row evidence of BigQuery sources on the emulator (issue 18, acceptance 2): the GoogleSQL
query stored for each blocking value finding, pasted into BigQuery, returns exactly the
offending rows; the sample was read by a query job with parameters under the cost cap."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.e2e.bigquery.jobs import new_project, partitioned_source, write_bq_job
from tests.support.bigquery import DATASET, SAMPLE_COLUMNS, Emulator, sample_day, unified_table

Run = Callable[..., Any]
QUERY = ("SELECT " + ", ".join(SAMPLE_COLUMNS) + f" FROM {DATASET}.training_events WHERE ds = @ds")


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    return new_project(tmp_path)


def _run(run_dqv: Run, project: pathlib.Path, env: dict[str, str], ds: str) -> dict[str, Any]:
    proc = run_dqv("run", "bq", "--ds", ds, "--json", "--quiet", "--project-dir", str(project),
                   "--artifact-root", str(project / "artifacts"), env=env)
    assert proc.returncode == 1, proc.stderr
    record: dict[str, Any] = json.loads(proc.stdout)
    return record


def _pasted(emulator: Emulator, query: str) -> set[str]:
    rows = list(emulator.clients().bigquery.query(query).result())  # type: ignore[attr-defined]
    ids = [r["session_id"] for r in rows]
    assert len(ids) == len(set(ids))
    return set(ids)


def _ids(table: pa.Table, mask: Any) -> set[str]:
    return set(table.filter(pc.fill_null(mask, False))["session_id"].to_pylist())


@pytest.mark.parametrize("kind", ["table", "query"])
def test_the_pasted_googlesql_returns_exactly_the_offending_rows(
        bq_emulator: Emulator, project: pathlib.Path, run_dqv: Run, kind: str) -> None:
    source = partitioned_source(maximum_bytes_billed=10**9) if kind == "table" else \
        {"query": QUERY, "maximum_bytes_billed": 10**9}
    write_bq_job(project, "bq", source, evidence={"max_rows": 4, "mask": ["user_id"]})
    record = _run(run_dqv, project, bq_emulator.env, "2026-11-08")
    day = sample_day(dt.date(2026, 11, 8))
    want = {"INT_TYPE_SMALL_INT": _ids(day, pc.less(day["age"], 13)),
            "INT_TYPE_BIG_INT": _ids(day, pc.greater(day["age"], 120))}
    evidence = {e["anomaly_type"]: e for e in record["evidence"]}
    assert set(evidence) == set(want)
    for anomaly, item in evidence.items():
        assert item["dialect"] == "googlesql" and item["error"] is None, item
        assert "@" not in item["query"]  # pasteable: the ds and the bound are literals
        assert _pasted(bq_emulator, item["query"]) == want[anomaly]
        assert len(item["rows"]) == 4 and item["truncated"]
        assert {r[item["columns"].index("user_id")] for r in item["rows"]} == {"***"}
        assert {r[item["columns"].index("session_id")] for r in item["rows"]} <= want[anomaly]
    reads = record["source_details"]["evidence"]["reads"]
    assert len(reads) == 2 and all(r["query_job_id"] for r in reads)


@pytest.mark.parametrize("kind", ["table", "query"])
def test_text_numbers_in_a_string_column_are_type_errors(
        bq_emulator: Emulator, project: pathlib.Path, run_dqv: Run, kind: str) -> None:
    # In the one partitioned table cart_value is STRING; 11-09 writes "$12.50". A query
    # source's column types come from its dry run.
    write_bq_job(project, "bq", partitioned_source() if kind == "table" else {"query": QUERY})
    record = _run(run_dqv, project, bq_emulator.env, "2026-11-09")
    item = next(e for e in record["evidence"] if e["anomaly_type"] == "UNEXPECTED_DATA_TYPE")
    table = unified_table()
    day = table.filter(pc.equal(table["ds"], pa.scalar(dt.date(2026, 11, 9), pa.date32())))
    cart = day["cart_value"]
    bad = pc.invert(pc.match_substring_regex(cart, r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"))
    assert item["error"] is None, item["error"]
    assert _pasted(bq_emulator, item["query"]) == _ids(day, bad) != set()
