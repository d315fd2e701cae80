"""One run of a job: plan the read, compute statistics, validate, record, tell observers.

Each fact is computed once per run and passed on: the schema is read once, the job's history is
read once (the baseline rule and the observers use that copy), and the source is planned once
(files, row groups, row estimate), and that plan both picks the engine and is computed.

Fail closed: whatever goes wrong after the run starts, the run is recorded as not_evaluated with
the reason, and the outcome (exit 2) says the data was not checked. No data yet for the ds (the
source's DataNotFound, or no rows) is not_ready (exit 3), or DATA_LATE past the job's
`expect_data_by` (core/readiness.py). Observers (metrics, Slack)
run last; their failures are recorded, never change the verdict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
import traceback
from collections.abc import Iterable, Sequence

from tensorflow_metadata.proto.v0 import schema_pb2

from validator import __version__
from validator.config.job import Job
from validator.config.schema_io import load_schema, restrict_to
from validator.core import readiness
from validator.core.outcome import Outcome
from validator.core.record import DeliveryStatus, RunRecord, new_run_id, utc_now
from validator.core.result import RunResult, Verdict
from validator.errors import DataNotFound, DqvError, RunInterrupted
from validator.history import artifact_fs, baselines, locks
from validator.history.store import RunStore
from validator.notify.observer import RunObserver
from validator.run.settings import RunSettings, artifact_dir
from validator.sources.base import ReadStats, Source

log = logging.getLogger("dqv")
ANOMALIES_FILE = "anomalies.pbtxt"


def build_source(job: Job, schema: schema_pb2.Schema) -> Source:
    if job.source.kind == "bigquery":
        from validator.sources.bigquery.source import BigQueryTableSource

        return BigQueryTableSource(job.source, features=frozenset(f.name for f in schema.feature))
    from validator.sources.local import LocalFileSource

    return LocalFileSource(job.source, job.project_dir,
                           bytes_columns=frozenset(f.name for f in schema.feature))


def run_job(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings, *,
            source: Source | None = None, observers: Sequence[RunObserver] = ()) -> RunResult:
    # One run of a job and ds at a time; a run killed mid-way frees the lock (history/locks.py).
    with locks.run_lock(settings.artifact_root, job.name, ds.isoformat() if ds else None):
        return _run_locked(job, ds, store, settings, source, observers)


def _run_locked(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings,
                source: Source | None, observers: Sequence[RunObserver]) -> RunResult:
    started = utc_now()
    run_id = settings.run_id or new_run_id(started)
    record = RunRecord(run_id=run_id, job=job.name, ds=ds.isoformat() if ds else None,
                       started_at=started.isoformat(), dqv_version=__version__,
                       artifact_dir=artifact_dir(settings.artifact_root, job.name, ds, run_id))
    result = RunResult(record)
    try:
        store.start(record)
    except RunInterrupted as err:  # stopped while starting: still recorded, as interrupted
        _not_evaluated(record, str(err))
    else:
        _evaluate_safely(job, ds, store, settings, source, result)
    record.ended_at = utc_now().isoformat()
    store.finish(record)
    _tell(observers, job, result, store)
    return result


def _evaluate_safely(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings,
                     source: Source | None, result: RunResult) -> None:
    record = result.record
    try:
        _evaluate(job, ds, store, settings, source, result)
    except DataNotFound as err:  # late data is not bad data (core/readiness.py)
        _no_data(job, record, str(err))
    except DqvError as err:
        _not_evaluated(record, str(err))
    except Exception as err:  # a bug must not pass the gate either
        log.debug("internal error", exc_info=True)
        _not_evaluated(record, f"internal error ({err.__class__.__name__}: {err}); "
                               "please report it with the output of --verbose")
        record.source_details["traceback"] = traceback.format_exc(limit=8)


def _not_evaluated(record: RunRecord, reason: str) -> None:
    record.outcome = Outcome.NOT_EVALUATED
    record.error = reason
    log.error("%s: not evaluated: %s", record.job, reason)


def _no_data(job: Job, record: RunRecord, reason: str) -> None:
    ds = dt.date.fromisoformat(record.ds) if record.ds else None
    missing = readiness.no_data(reason, ds, job.deadline, timezone=job.timezone, now=utc_now())
    record.outcome, record.error, record.findings = missing.outcome, missing.error, list(missing.findings)
    log.warning("%s: %s: %s", record.job, missing.outcome.value,
                missing.error or "; ".join(f.description for f in missing.findings))


def _timed(record: RunRecord, stage: str, start: float) -> None:
    record.timings[stage] = round(time.monotonic() - start, 4)


def _evaluate(job: Job, ds: dt.date | None, store: RunStore, settings: RunSettings,
              source: Source | None, result: RunResult) -> None:
    record = result.record
    t0 = time.monotonic()
    # The history is read once, before anything else can change it: earlier runs only.
    result.history = tuple(r for r in store.runs(job.name) if r.run_id != record.run_id)
    schema = result.schema = load_schema(job.schema_path)
    from validator.engines import build_engine
    from validator.engines.progress import Progress
    from validator.stats.view import num_examples

    _timed(record, "load", t0)
    try:
        baseline, unreadable = baselines.resolve_baseline(job, record, store, result.history), None
    except baselines.BaselineUnreadable as err:  # drift is reported as not evaluated
        baseline, unreadable = None, str(err)
    reference = baselines.resolve_reference(job, record, store, schema)
    source = source or build_source(job, schema)
    engine_name = settings.engine or job.engine
    plan = source.plan(ds, estimate_rows=engine_name == "auto")
    record.source_uri = plan.uri
    log.info("%s: reading %s", job.name, record.source_uri)
    t0 = time.monotonic()
    read = ReadStats()
    progress = Progress(f"{job.name} ds={record.ds}", enabled=settings.progress)
    engine = build_engine(engine_name, (*job.beam_options, *settings.beam_options), plan)
    record.source_details["engine"] = engine.name
    record.engine = engine.name
    statistics = engine.compute(source, plan, schema, read, progress)
    progress.done()
    _timed(record, "read_and_statistics", t0)
    record.rows = read.rows
    record.bytes_read = read.bytes_read
    record.source_details.update({"files": read.files, **read.extra})
    if ds is not None and read.rows == 0 and num_examples(statistics) == 0:
        raise DataNotFound(f"no rows for ds={ds.isoformat()} in {record.source_uri}: the "
                           "partition is empty (not landed yet?)")
    schema, not_selected = restrict_to(schema, job.source.columns)
    if not_selected:  # features the job does not read are not validated (nor missing)
        record.source_details["not_selected"] = not_selected

    t0 = time.monotonic()
    # Imported here: TensorFlow (TFDV's validation) loads only once statistics exist; the fast
    # engine computes them without it.
    from validator.validation.validate import Context, validate

    verdict = validate(statistics, schema, job.severity, baseline=baseline, reference=reference,
                       context=Context(environment=job.environment, waivers=job.waivers, as_of=ds,
                                       baseline_unreadable=unreadable,
                                       baseline_ds=record.baseline_ds))
    _timed(record, "validate", t0)
    from validator.run import monitoring

    hidden = job.evidence.hidden  # masked columns: their values leave the run nowhere
    if hidden:  # before the monitors record metrics, and before anything is written
        from validator.validation.masking import mask_statistics

        statistics = mask_statistics(statistics, hidden)
    monitored = monitoring.check(job, ds, store, statistics, verdict, record)
    verdict = monitored.verdict
    from validator.run import evidence

    # Only a run with blocking findings about values reads rows again (run/evidence.py).
    record.evidence = evidence.collect(job, source, plan, schema, verdict.findings, record)
    if hidden:
        verdict = _masked(verdict, hidden)
    record.statistics = baselines.write_statistics(record.artifact_dir, statistics)
    from google.protobuf import text_format

    anomalies_path = artifact_fs.join(record.artifact_dir, ANOMALIES_FILE)
    artifact_fs.write_text(anomalies_path, text_format.MessageToString(verdict.anomalies))
    record.anomalies = anomalies_path
    record.findings = list(verdict.findings)
    record.measurements = list(verdict.measurements)
    record.outcome = verdict.outcome
    result.verdict, result.statistics, result.baseline = verdict, statistics, baseline
    monitored.save(job, record)  # the outcome is final: this run becomes history


def _masked(verdict: Verdict, hidden: Sequence[str]) -> Verdict:
    from validator.validation import masking

    return dataclasses.replace(verdict, findings=tuple(masking.mask_findings(verdict.findings, hidden)),
                               anomalies=masking.mask_anomalies(verdict.anomalies, hidden))


def _tell(observers: Iterable[RunObserver], job: Job, result: RunResult, store: RunStore) -> None:
    if not observers:
        return
    for observer in observers:
        try:
            observer.run_finished(job, result)
            result.record.delivery[observer.name] = DeliveryStatus.delivered()
        except Exception as err:  # delivery never changes the verdict
            result.record.delivery[observer.name] = DeliveryStatus.failed(str(err))
            log.warning("%s: %s delivery failed: %s", job.name, observer.name, err)
    try:
        store.finish(result.record)
    except DqvError as err:
        log.warning("%s: could not record delivery status: %s", job.name, err)
