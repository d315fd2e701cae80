"""The run's monitor step: after validation, before the outcome is final. Reads the job's
metric history once (one query), judges the partition with the pure monitors
(validator/core/monitors.py), adds their findings to the verdict, and, once the run's
outcome is final, stores this run's metrics as the next runs' history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.config.job import Job
from validator.core import monitors
from validator.core.findings import outcome_of
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.core.run_metrics import HistoryPoint, PartitionMetrics
from validator.errors import ConfigError
from validator.history.metric_history import MetricHistory, open_for
from validator.stats.metrics_view import non_numeric, partition_metrics

if TYPE_CHECKING:
    from validator.core.result import Verdict

log = logging.getLogger("dqv")


@dataclasses.dataclass
class MonitorStep:
    verdict: Verdict
    history: MetricHistory | None = None
    metrics: PartitionMetrics | None = None
    base_blocked: bool = False
    flagged: frozenset[str] = frozenset()

    def save(self, job: Job, record: RunRecord) -> None:
        """Record this run's metrics once its outcome is final (evaluated runs only)."""
        if self.history is None or self.metrics is None or record.ds is None \
                or record.outcome in (None, Outcome.NOT_EVALUATED):
            return
        point = HistoryPoint(ds=dt.date.fromisoformat(record.ds), run_id=record.run_id,
                             metrics=self.metrics, blocked=record.outcome is Outcome.BLOCK,
                             base_blocked=self.base_blocked, flagged=self.flagged)
        self.history.put(job.name, point, uri=record.artifact_dir)


def has_partitions(job: Job) -> bool:
    """Whether a ds selects one partition of the data: only then has the job a per-ds history
    (a job reading a whole table or file sees the same data under every ds)."""
    source = job.source
    if source.kind == "local":
        return source.partition is not None or "{ds}" in source.path
    return source.partition is not None or "{ds_nodash}" in (source.table or "") \
        or "@ds" in (source.query or "")


def check(job: Job, ds: dt.date | None, store: object,
          statistics: statistics_pb2.DatasetFeatureStatisticsList, verdict: Verdict,
          record: RunRecord) -> MonitorStep:
    """The verdict with the monitors' findings added; a job without partitions (or a run
    without a ds) has no history to learn from."""
    history = open_for(store) if ds is not None and has_partitions(job) else None
    if history is None or ds is None:
        return MonitorStep(verdict)
    t0 = time.monotonic()
    config = job.monitors
    if config.event_time and non_numeric(statistics, config.event_time):
        raise ConfigError(f"monitors.event_time: '{config.event_time}' is not numeric in the data; "
                          "name an INT (seconds since the epoch) or FLOAT feature",
                          file=str(job.file), field="monitors.event_time")
    metrics = partition_metrics(statistics, record.bytes_read, config.event_time)
    earlier = history.points(job.name, ds - dt.timedelta(days=config.read_days), ds)
    results = monitors.evaluate(earlier, metrics, ds, config)
    found = monitors.to_findings(results, job.severity, job.waivers, ds)
    record.monitors = [r.to_json() for r in results]
    record.timings["monitors"] = round(time.monotonic() - t0, 4)
    for result in results:
        log.info("%s: monitor %s: %s: %s", job.name, result.key, result.status, result.message)
    base_blocked = verdict.outcome is Outcome.BLOCK
    if found:
        findings = (*verdict.findings, *found)
        outcome = Outcome.BLOCK if base_blocked else outcome_of(findings)
        verdict = dataclasses.replace(verdict, findings=findings, outcome=outcome)
    return MonitorStep(verdict, history, metrics, base_blocked, monitors.flagged(results))
