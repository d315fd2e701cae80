"""Row evidence of a run: after validation, for each blocking finding about values, up to
`evidence.max_rows` sample rows read at the source edge and the query that finds all of them.

Nothing is read when the run has no such finding (the common case: a passing or warned day
costs no second read). When it has, each finding costs one small query over the partition
(sources/local_evidence.py, sources/bigquery/evidence.py say what that reads); the seconds are
`timings["evidence"]` and the bytes `source_details["evidence"]`. A failure to sample never
changes the verdict: that finding's evidence holds the error, and still the query.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Sequence

from tensorflow_metadata.proto.v0 import schema_pb2

from validator.config.job import Job
from validator.core import evidence_sql
from validator.core.evidence import EVIDENCE_FILE, MASK, RowEvidence
from validator.core.evidence_sql import ValueCheck
from validator.core.findings import Finding
from validator.core.record import RunRecord
from validator.history import artifact_fs
from validator.sources.base import Source, SourcePlan
from validator.sources.evidence import EvidenceReader, EvidenceTarget
from validator.validation.evidence_checks import value_checks

log = logging.getLogger("dqv")


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return (text[0] if text else err.__class__.__name__)[:400]


def _columns(schema: schema_pb2.Schema, target: EvidenceTarget, omit: set[str]) -> tuple[str, ...]:
    """The schema's features the data has (all of them when its columns are not known), in
    the data's order, less the omitted ones."""
    features = {f.name.lower(): f.name for f in schema.feature}
    present = list(target.text_columns) or list(features.values())
    return tuple(c for c in present if c.lower() in features and c.lower() not in omit)


@dataclasses.dataclass
class _Sampler:
    """Samples the rows of one check after another from one source and target."""

    job: Job
    source: EvidenceReader
    plan: SourcePlan
    target: EvidenceTarget
    columns: tuple[str, ...]
    costs: list[dict[str, object]] = dataclasses.field(default_factory=list)

    def sample(self, check: ValueCheck) -> RowEvidence:
        masked = {c.lower() for c in self.job.evidence.mask}
        omit = {c.lower() for c in self.job.evidence.omit}
        dialect = self.target.target.dialect
        # The finding's own column first: what a reader looks for in each row.
        columns = tuple(sorted(self.columns, key=lambda c: c.lower() != check.feature.lower()))
        shown = tuple(c for c in columns if c.lower() in masked)
        left_out = tuple(c for c in (self.target.text_columns or columns) if c.lower() in omit)
        try:
            pasted = evidence_sql.query(check, self.target.target)
        except Exception as err:  # a schema the builder cannot express: no query, no read
            return RowEvidence(check.feature, check.anomaly_type, dialect, "", columns,
                               masked=shown, omitted=left_out,
                               error=f"no query for this finding ({_one_line(err)})")
        limit = self.job.evidence.max_rows
        try:
            sample = self.source.sample_rows(self.plan, self.target, check, columns, limit + 1)
        except Exception as err:  # never changes the verdict
            log.warning("%s: row evidence for %s %s not read: %s", self.job.name, check.feature,
                        check.anomaly_type, _one_line(err))
            return RowEvidence(check.feature, check.anomaly_type, dialect, pasted, columns,
                               masked=shown, omitted=left_out, error=_one_line(err))
        self.costs.append({"feature": check.feature, "anomaly_type": check.anomaly_type,
                           "rows": min(len(sample.rows), limit), **sample.cost})
        hide = [c.lower() in masked for c in columns]
        rows = tuple(tuple(MASK if h and v is not None else v
                           for v, h in zip(row, hide, strict=False)) for row in sample.rows[:limit])
        return RowEvidence(check.feature, check.anomaly_type, dialect, pasted, columns, rows,
                           masked=shown, omitted=left_out, truncated=len(sample.rows) > limit)


def collect(job: Job, source: Source, plan: SourcePlan, schema: schema_pb2.Schema,
            findings: Sequence[Finding], record: RunRecord) -> list[RowEvidence]:
    """The run's row evidence (empty, and nothing read, without blocking value findings);
    written as the run's evidence.json."""
    checks = value_checks(findings, schema) if job.evidence.enabled else []
    if not checks:
        return []
    t0 = time.monotonic()
    omit = {c.lower() for c in job.evidence.omit}
    evidence: list[RowEvidence] = []
    costs: list[dict[str, object]] = []
    if not isinstance(source, EvidenceReader):
        evidence = [RowEvidence(c.feature, c.anomaly_type, "", "", error="this source cannot "
                                "sample rows") for c in checks]
    else:
        try:
            target = source.evidence_target(plan)
        except Exception as err:
            evidence = [RowEvidence(c.feature, c.anomaly_type, "", "",
                                    error=f"the source's rows cannot be queried ({_one_line(err)})")
                        for c in checks]
        else:
            sampler = _Sampler(job, source, plan, target, _columns(schema, target, omit))
            for check in checks:
                text = target.text_columns.get(check.feature)
                if text is None:  # BigQuery names are case-insensitive
                    text = next((v for k, v in target.text_columns.items()
                                 if k.lower() == check.feature.lower()), False)
                evidence.append(sampler.sample(dataclasses.replace(check, text=bool(text))))
            costs = sampler.costs
    record.timings["evidence"] = round(time.monotonic() - t0, 4)
    record.source_details["evidence"] = {"queries": len(costs), "findings": len(checks),
                                         "reads": costs}
    path = artifact_fs.join(record.artifact_dir, EVIDENCE_FILE)
    artifact_fs.write_text(path, json.dumps([e.to_json() for e in evidence], indent=1))
    return evidence
