"""The contracts a run hands on: the verdict of validation and the result of a run. Shared by
validation/, run/, notify/, report/ and service/, so none of them imports the orchestrator
(the observer protocol integrations implement is notify/observer.py).

Statistics travel as TFDV's protos (tensorflow_metadata: protobuf only, no TensorFlow)."""

from __future__ import annotations

import dataclasses

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from validator.core.findings import Finding, Measurement, worst_first
from validator.core.outcome import Outcome
from validator.core.record import RunRecord


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What validation concluded for one partition."""

    outcome: Outcome
    findings: tuple[Finding, ...]
    anomalies: anomalies_pb2.Anomalies
    measurements: tuple[Measurement, ...] = ()

    @property
    def reported(self) -> tuple[Finding, ...]:
        """Findings that are shown (not ignored), worst first."""
        return tuple(worst_first(self.findings))


@dataclasses.dataclass
class RunResult:
    """One finished run: its record, and what it computed, for observers in the same process.
    `history` is the job's earlier runs as read once at the start of the run."""

    record: RunRecord
    verdict: Verdict | None = None  # None when not evaluated
    statistics: statistics_pb2.DatasetFeatureStatisticsList | None = None
    baseline: statistics_pb2.DatasetFeatureStatisticsList | None = None
    schema: schema_pb2.Schema | None = None  # the schema the run used (read once), if it loaded
    history: tuple[RunRecord, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return self.record.outcome or Outcome.NOT_EVALUATED
