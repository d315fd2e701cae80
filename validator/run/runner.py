"""One run of a job: read, compute statistics, validate, record, tell observers.

Fail closed: whatever goes wrong after the run starts, the run is recorded as
not_evaluated with the reason, and the outcome (exit 2) says the data was not checked.
Observers (metrics, Slack) run last; their failures are recorded, never change the verdict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pathlib
import time
import traceback
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator import __version__
from validator.config.job import Job
from validator.config.schema_io import load_schema
from validator.core.outcome import Outcome
from validator.core.record import RunRecord, new_run_id, utc_now
from validator.engines.progress import Progress
from validator.errors import DqvError
from validator.history import artifact_fs, baselines, locks
from validator.history.store import RunStore
from validator.sources.base import ReadStats, Source

log = logging.getLogger("dqv")
ANOMALIES_FILE = "anomalies.pbtxt"


@dataclasses.dataclass(frozen=True)
class RunSettings:
    artifact_root: pathlib.Path
    progress: bool = True
    engine: str | None = None  # overrides the job's engine (CLI --engine)
    beam_options: tuple[str, ...] = ()  # added after the job's beam_options (CLI --beam-option)


@dataclasses.dataclass
class RunResult:
    record: RunRecord
    verdict: Any = None  # validation.Verdict, when evaluated
    statistics: statistics_pb2.DatasetFeatureStatisticsList | None = None
    baseline: statistics_pb2.DatasetFeatureStatisticsList | None = None

    @property
    def outcome(self) -> Outcome:
        return self.record.outcome or Outcome.NOT_EVALUATED


class RunObserver(Protocol):
    """Told about every finished run (metrics, notifications). Must not raise for delivery
    problems it can describe; anything raised is recorded as a delivery failure."""

    name: str

    def run_finished(self, job: Job, result: RunResult) -> None: ...


def build_source(job: Job, schema: schema_pb2.Schema) -> Source:
    if job.source.kind == "bigquery":
        from validator.sources.bigquery.source import BigQueryTableSource

        return BigQueryTableSource(job.source)
    from validator.sources.local import LocalFileSource

    return LocalFileSource(job.source, job.project_dir,
                           bytes_columns=frozenset(f.name for f in schema.feature))


def artifact_dir(root: pathlib.Path, job: str, ds: dt.date | None, run_id: str) -> str:
    return artifact_fs.join(root, job, f"ds={ds.isoformat() if ds else 'none'}", run_id)


def run_job(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings, *,
            source: Source | None = None, observers: Sequence[RunObserver] = ()) -> RunResult:
    # One run of a job and ds at a time; a run killed mid-way frees the lock (validator/history/locks.py).
    with locks.run_lock(settings.artifact_root, job.name, ds.isoformat() if ds else None):
        return _run_locked(job, ds, store, settings, source, observers)


def _run_locked(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings,
                source: Source | None, observers: Sequence[RunObserver]) -> RunResult:
    started = utc_now()
    run_id = new_run_id(started)
    record = RunRecord(run_id=run_id, job=job.name, ds=ds.isoformat() if ds else None,
                       started_at=started.isoformat(), dqv_version=__version__,
                       artifact_dir=artifact_dir(settings.artifact_root, job.name, ds, run_id))
    store.start(record)
    result = RunResult(record)
    try:
        _evaluate(job, ds, store, settings, source, result)
    except DqvError as err:
        _not_evaluated(record, str(err))
    except Exception as err:  # a bug must not pass the gate either
        log.debug("internal error", exc_info=True)
        _not_evaluated(record, f"internal error ({err.__class__.__name__}: {err}); "
                               "please report it with the output of --verbose")
        record.source_details["traceback"] = traceback.format_exc(limit=8)
    record.ended_at = utc_now().isoformat()
    store.finish(record)
    _tell(observers, job, result, store)
    return result


def _not_evaluated(record: RunRecord, reason: str) -> None:
    record.outcome = Outcome.NOT_EVALUATED
    record.error = reason
    log.error("%s: not evaluated: %s", record.job, reason)


def _timed(record: RunRecord, stage: str, start: float) -> None:
    record.timings[stage] = round(time.monotonic() - start, 4)


def _evaluate(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings,
              source: Source | None, result: RunResult) -> None:
    record = result.record
    t0 = time.monotonic()
    schema = load_schema(job.schema_path)
    # Imported here: TensorFlow loads only once a run really starts.
    from validator.engines import build_engine
    from validator.stats import accumulate as stats_lib
    from validator.validation.validate import validate

    _timed(record, "load", t0)
    baseline = baselines.resolve_baseline(job, record, store)
    reference = baselines.resolve_reference(job, record, store, schema)
    source = source or build_source(job, schema)
    record.source_uri = source.uri(ds)
    log.info("%s: reading %s", job.name, record.source_uri)
    t0 = time.monotonic()
    read = ReadStats()
    progress = Progress(f"{job.name} ds={record.ds}", enabled=settings.progress)
    engine = build_engine(settings.engine or job.engine,
                          (*job.beam_options, *settings.beam_options), source, ds)
    record.source_details["engine"] = engine.name
    record.engine = engine.name
    statistics = engine.compute(source, ds, schema, read, progress)
    progress.done()
    _timed(record, "read_and_statistics", t0)
    record.rows = read.rows
    record.bytes_read = read.bytes_read
    record.source_details.update({"files": read.files, **read.extra})

    t0 = time.monotonic()
    verdict = validate(statistics, schema, job.severity, baseline=baseline, reference=reference,
                       environment=job.environment, waivers=job.waivers, as_of=ds)
    _timed(record, "validate", t0)
    from validator.run import monitoring

    monitored = monitoring.check(job, ds, store, statistics, verdict, record)
    verdict = monitored.verdict
    stats_path = artifact_fs.join(record.artifact_dir, stats_lib.STATS_FILE)
    artifact_fs.write_bytes(stats_path, statistics.SerializeToString())
    anomalies_path = artifact_fs.join(record.artifact_dir, ANOMALIES_FILE)
    from google.protobuf import text_format

    artifact_fs.write_text(anomalies_path, text_format.MessageToString(verdict.anomalies))
    record.statistics, record.anomalies = stats_path, anomalies_path
    record.findings = [f.to_json() for f in verdict.findings]
    record.measurements = [dataclasses.asdict(m) for m in verdict.measurements]
    record.outcome = verdict.outcome
    result.verdict, result.statistics, result.baseline = verdict, statistics, baseline
    monitored.save(job, record)  # the outcome is final: this run becomes history


def _tell(observers: Iterable[RunObserver], job: Job, result: RunResult, store: RunStore) -> None:
    if not observers:
        return
    for observer in observers:
        try:
            observer.run_finished(job, result)
            result.record.delivery[observer.name] = "ok"
        except Exception as err:  # delivery never changes the verdict
            result.record.delivery[observer.name] = f"failed: {err}"
            log.warning("%s: %s delivery failed: %s", job.name, observer.name, err)
    try:
        store.finish(result.record)
    except DqvError as err:
        log.warning("%s: could not record delivery status: %s", job.name, err)
