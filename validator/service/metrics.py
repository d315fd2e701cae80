"""The service's own Prometheus metrics, and each job's latest-run metric set (the same
gauges a batch run pushes to the Pushgateway, validator/notify/metrics.py), in one exposition."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from validator.config.job import Job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.errors import ConfigError
from validator.history.store import RunStore

log = logging.getLogger("dqv")
TRIGGERS = ("schedule", "catch_up", "manual", "gate", "interrupted")


class _JobSets(Collector):
    """Yields every job's latest-run metric families merged by name (one HELP/TYPE each)."""

    def __init__(self) -> None:
        self._registries: dict[str, CollectorRegistry] = {}
        self._lock = threading.Lock()

    def set(self, job: str, registry: CollectorRegistry) -> None:
        with self._lock:
            self._registries[job] = registry

    def drop(self, job: str) -> None:
        with self._lock:
            self._registries.pop(job, None)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            registries = list(self._registries.values())
        merged: dict[str, Metric] = {}
        for registry in registries:
            for family in registry.collect():
                if family.name not in merged:
                    merged[family.name] = Metric(family.name, family.documentation, family.type)
                merged[family.name].samples.extend(family.samples)
        yield from merged.values()


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("dqv_service_runs", "Runs the service finished, by job, outcome and "
                            "trigger (schedule, catch_up, manual, gate, interrupted).",
                            ("job", "outcome", "trigger"), registry=r)
        self.skipped = Counter("dqv_service_runs_skipped", "Scheduled runs not started because "
                               "the job was still queued or running.", ("job",), registry=r)
        self.last_run = Gauge("dqv_service_last_run_timestamp_seconds",
                              "Unix time the job's latest run ended (from the history at start).",
                              ("job",), registry=r)
        self.next_run = Gauge("dqv_service_next_run_timestamp_seconds",
                              "Unix time of the job's next scheduled run.", ("job",), registry=r)
        self.running = Gauge("dqv_service_running_jobs", "Jobs queued or running now.", registry=r)
        self.jobs = Gauge("dqv_service_jobs", "Jobs loaded from jobs/*.yaml.", registry=r)
        self.history_reads = Counter("dqv_service_gate_history_reads", "Reads of a job's runs "
                                     "from the run history by the gate (its in-memory copy was "
                                     "missing, outdated by a finished run, or expired).", ("job",),
                                     registry=r)
        self.reloads = Counter("dqv_service_config_reloads", "Configuration reloads (SIGHUP) by "
                               "result: ok, or error (the previous configuration was kept).",
                               ("result",), registry=r)
        self.started = Gauge("dqv_service_start_time_seconds", "Unix time the service started.",
                             registry=r)
        self.started.set_to_current_time()
        self._job_sets = _JobSets()
        r.register(self._job_sets)

    def job_seen(self, job: str, last: RunRecord | None) -> None:
        if last is not None and last.ended_at:
            self.last_run.labels(job=job).set(dt.datetime.fromisoformat(last.ended_at).timestamp())

    def forget(self, job: str) -> None:
        """Drop every series of a job that is no longer loaded (removed by a reload)."""
        for family in (self.runs, self.skipped, self.last_run, self.next_run, self.history_reads):
            family.remove_by_labels({"job": job})
        self._job_sets.drop(job)

    def run_finished(self, job: str, trigger: str, record: RunRecord) -> None:
        outcome = (record.outcome or Outcome.NOT_EVALUATED).value
        self.runs.labels(job=job, outcome=outcome, trigger=trigger).inc()
        self.job_seen(job, record)

    def job_result(self, job: Job, result: Any, history: RunStore) -> None:
        """Keep the job's latest-run metric set for /metrics. Never raises: metrics must not
        disturb runs."""
        try:
            from validator.config.schema_io import load_schema
            from validator.notify import metrics as run_metrics

            try:
                features = [f.name for f in load_schema(job.schema_path).feature]
            except ConfigError:
                features = []
            context = run_metrics.MetricContext(
                job=job.name, features=features,
                last_passing_at=run_metrics.last_passing_at([*history.runs(job.name), result.record]),
                expected_interval_seconds=job.metrics.expected_interval_seconds)
            self._job_sets.set(job.name, run_metrics.build_registry(result, context))
        except Exception as err:  # a metrics problem is logged, never fatal
            log.warning("%s: job metrics not updated: %s", job.name, err)

    def exposition(self, refresh: Callable[[ServiceMetrics], None]) -> bytes:
        refresh(self)
        return generate_latest(self.registry)
