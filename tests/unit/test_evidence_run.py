"""Collecting row evidence (validator/run/evidence.py, sources/bigquery/evidence.py) without a
server: the cost cap refuses an evidence query before it runs, and a failed sample is an error
in the evidence (with the query), never a changed verdict."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from typing import Any

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.config.job import BigQuerySource, Job
from validator.core.evidence_sql import FileTarget, ValueCheck
from validator.core.findings import Finding
from validator.core.outcome import Severity
from validator.core.record import RunRecord
from validator.errors import CostCapExceeded, DataError
from validator.run import evidence
from validator.sources.base import SourcePlan
from validator.sources.bigquery.clients import BigQueryClients
from validator.sources.bigquery.evidence import sample
from validator.sources.bigquery.source import BigQueryTableSource
from validator.sources.evidence import EvidenceTarget, Sample
from validator.validation.masking import mask_findings

PLAN = SourcePlan(ds=dt.date(2026, 11, 8), uri="file:///x")


@dataclasses.dataclass
class _DryRun:
    total_bytes_processed: int


class _Client:
    """Answers dry runs with a fixed estimate; records every query it is given."""

    def __init__(self, estimate: int) -> None:
        self.estimate = estimate
        self.calls: list[Any] = []

    def query(self, sql: str, job_config: Any, **_: Any) -> _DryRun:
        self.calls.append((sql, job_config))
        if not job_config.dry_run:
            raise AssertionError("a query above the cap must not run")
        return _DryRun(self.estimate)


def test_an_evidence_query_above_the_cost_cap_is_refused_before_it_runs() -> None:
    client = _Client(estimate=5 * 10**9)
    config = BigQuerySource(kind="bigquery", table="d.t", maximum_bytes_billed=10**6, retries=0)
    source = BigQueryTableSource(config, BigQueryClients(client, None, "p"))
    check = ValueCheck("country", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "domain", values=("US",))
    from validator.core.evidence_sql import TableTarget

    target = EvidenceTarget(TableTarget(table="p.d.t", conditions=("`ds` = DATE '2026-11-08'",)), {})
    with pytest.raises(CostCapExceeded, match="evidence query would bill"):
        sample(source, target, check, ("country",), 21)
    (sql, job_config), = client.calls
    assert job_config.dry_run
    # The value is a query parameter, not text in the SQL.
    assert [p.value for p in job_config.query_parameters] == ["US"]
    assert "'US'" not in sql and "LIMIT 21" in sql


class _Failing:
    def __init__(self) -> None:
        self.asked = 0

    def evidence_target(self, plan: SourcePlan) -> EvidenceTarget:
        return EvidenceTarget(FileTarget(("/data/d.parquet",)), {"age": False, "ssn": True})

    def sample_rows(self, plan: SourcePlan, target: EvidenceTarget, check: ValueCheck,
                    columns: tuple[str, ...], limit: int) -> Sample:
        self.asked += 1
        raise DataError("the server went away")


def _schema() -> schema_pb2.Schema:
    schema = schema_pb2.Schema()
    age = schema.feature.add(name="age", type=schema_pb2.INT)
    age.int_domain.max = 120
    schema.feature.add(name="ssn", type=schema_pb2.BYTES)
    return schema


def _job(tmp_path: pathlib.Path, **evidence_settings: Any) -> Job:
    return Job.model_validate({"name": "j", "schema": "s.pbtxt", "evidence": evidence_settings,
                               "source": {"kind": "local", "path": str(tmp_path)}})


def _record(tmp_path: pathlib.Path) -> RunRecord:
    return RunRecord(run_id="r", job="j", ds="2026-11-08", started_at="2026-11-08T00:00:00+00:00",
                     artifact_dir=str(tmp_path))


BIG = Finding("age", "INT_TYPE_BIG_INT", Severity.ERROR, "Out-of-range values",
              "Unexpectedly large value: 999.")


def test_a_failed_sample_keeps_the_query_and_says_why(tmp_path: pathlib.Path) -> None:
    source, record = _Failing(), _record(tmp_path)
    found = evidence.collect(_job(tmp_path, omit=["ssn"]), source, PLAN, _schema(), [BIG], record)
    (item,) = found
    assert item.error == "the server went away" and item.rows == ()
    assert '"age" > 120' in item.query
    assert item.columns == ("age",) and item.omitted == ("ssn",)
    assert (tmp_path / "evidence.json").is_file() and "evidence" in record.timings


def test_no_blocking_value_finding_means_no_read(tmp_path: pathlib.Path) -> None:
    source, record = _Failing(), _record(tmp_path)
    warned = dataclasses.replace(BIG, severity=Severity.WARNING)
    drift = Finding("age", "COMPARATOR_L_INFTY_HIGH", Severity.ERROR, "High drift", "x")
    for findings in ([warned, drift], [BIG]):
        job = _job(tmp_path, enabled=findings == [warned, drift])
        assert evidence.collect(job, source, PLAN, _schema(), findings, record) == []
    assert source.asked == 0 and record.timings == {} and not (tmp_path / "evidence.json").exists()


def test_a_masked_finding_keeps_its_type_and_loses_its_values() -> None:
    (masked,) = mask_findings([BIG], ["AGE"])
    assert (masked.feature, masked.anomaly_type, masked.severity) == ("age", "INT_TYPE_BIG_INT",
                                                                      Severity.ERROR)
    assert "999" not in masked.description + masked.short_description
