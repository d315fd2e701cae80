"""Which statistics a run is compared with, resolved from the run history.

- Drift baseline (`baseline:` in the job): the latest passing run of the job before this ds
  (TFX's "latest blessed"), or a run pinned by id, or none.
- Skew reference (`skew:` in the job): a run (e.g. of the training job), the latest passing
  run of another job, or a statistics file (e.g. TFX StatisticsGen output), compared with the
  schema's `skew_comparator`s.

A pinned baseline or a skew reference that cannot be loaded fails the run (not evaluated):
the job asked for a comparison, and skipping it silently would pass data nobody checked.
No earlier passing run only skips drift, as on a job's first day. A "last passing" baseline
that exists in the history but whose statistics cannot be read (deleted, corrupted) raises
`BaselineUnreadable`: the run goes on and drift is reported as not evaluated, a finding of its
own (BASELINE_UNREADABLE), never a silent pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.config.job import Job
from validator.core.baseline import latest_passing
from validator.core.record import RunRecord
from validator.errors import ConfigError, DataError
from validator.history import artifact_fs
from validator.history.store import RunStore
from validator.stats import STATS_FILE

log = logging.getLogger("dqv")
_IN_FOLDER = (STATS_FILE, f"Split-train/{STATS_FILE}", f"Split-eval/{STATS_FILE}")


def read_statistics(uri: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    """A FeatureStats.pb (binary DatasetFeatureStatisticsList), local or gs://. Raises OSError."""
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    try:
        stats.ParseFromString(artifact_fs.read_bytes(uri))
    except (ValueError, DecodeError) as err:
        raise OSError(f"{uri} is not a statistics file ({err or 'cannot be parsed'})") from None
    if not stats.datasets:
        raise OSError(f"{uri} holds no statistics")
    return stats


class BaselineUnreadable(DataError):
    """The drift baseline is in the history but its statistics cannot be read."""


def write_statistics(artifact_dir: str, statistics: statistics_pb2.DatasetFeatureStatisticsList
                     ) -> str:
    """The run's FeatureStats.pb (local or gs://); returns its path."""
    path = artifact_fs.join(artifact_dir, STATS_FILE)
    artifact_fs.write_bytes(path, statistics.SerializeToString())
    return path


def resolve_baseline(job: Job, record: RunRecord, store: RunStore,
                     history: Sequence[RunRecord] | None = None
                     ) -> statistics_pb2.DatasetFeatureStatisticsList | None:
    """The drift baseline; `history` is the job's runs as the run read them (else asked of the
    store)."""
    policy = job.baseline.policy
    if policy == "none":
        return None
    if policy == "pinned":
        assert job.baseline.run_id is not None  # the config model checks it
        pinned = _run_with_statistics(store, job.baseline.run_id, job, "baseline.run_id")
        stats = _load(pinned, "pinned baseline")
        record.baseline_run_id, record.baseline_ds = pinned.run_id, pinned.ds
        return stats
    previous = (latest_passing(list(history), record.ds) if history is not None
                else store.last_passing(job.name, record.ds))
    if previous is None or previous.statistics is None:
        log.info("%s: no earlier passing run; drift not checked", job.name)
        return None
    if job.baseline.max_age_days and previous.ds and record.ds:
        age = dt.date.fromisoformat(record.ds) - dt.date.fromisoformat(previous.ds)
        if age.days > job.baseline.max_age_days:
            log.warning("%s: last passing run (ds=%s) is older than baseline.max_age_days; "
                        "drift not checked", job.name, previous.ds)
            return None
    try:
        stats = read_statistics(previous.statistics)
    except OSError as err:
        log.warning("%s: baseline statistics of run %s unreadable (%s); drift not evaluated",
                    job.name, previous.run_id, err)
        raise BaselineUnreadable(f"drift not evaluated: the baseline statistics of run "
                                 f"{previous.run_id} (ds {previous.ds}) cannot be read: {err}"
                                 ) from None
    record.baseline_run_id, record.baseline_ds = previous.run_id, previous.ds
    return stats


def resolve_reference(job: Job, record: RunRecord, store: RunStore, schema: schema_pb2.Schema
                      ) -> statistics_pb2.DatasetFeatureStatisticsList | None:
    skew = job.skew
    if skew is None:
        return None
    if not any(f.HasField("skew_comparator") for f in schema.feature):
        log.warning("%s: skew is configured but the schema has no skew_comparator; only "
                    "schema-level skew is checked", job.name)
    if skew.reference_run_id:
        run = _run_with_statistics(store, skew.reference_run_id, job, "skew.reference_run_id")
        record.reference_run_id = run.run_id
        record.reference_statistics = run.statistics
        return _load(run, "skew reference")
    if skew.reference_job:
        latest = store.last_passing(skew.reference_job, None)
        if latest is None or latest.statistics is None:
            raise DataError(f"skew reference: job '{skew.reference_job}' has no passing run yet; "
                            f"run it first (dqv run {skew.reference_job} --ds …)")
        record.reference_run_id = latest.run_id
        record.reference_statistics = latest.statistics
        return _load(latest, "skew reference")
    assert skew.reference_statistics is not None
    uri = _statistics_file(job, skew.reference_statistics)
    record.reference_statistics = uri
    try:
        return read_statistics(uri)
    except OSError as err:
        raise DataError(f"skew reference {uri} unreadable: {err}") from None


def _statistics_file(job: Job, given: str) -> str:
    base = given if artifact_fs.is_remote(given) else str(job.resolve(given))
    if not artifact_fs.is_dir(base):
        if not artifact_fs.exists(base):
            raise ConfigError(f"skew reference statistics {base} not found; give a FeatureStats.pb "
                              "file or a TFX ExampleStatistics folder", file=str(job.file),
                              field="skew.reference_statistics")
        return base
    for name in _IN_FOLDER:
        candidate = artifact_fs.join(base, name)
        if artifact_fs.exists(candidate):
            return candidate
    raise ConfigError(f"no {STATS_FILE} in {base} (looked for {', '.join(_IN_FOLDER)})",
                      file=str(job.file), field="skew.reference_statistics")


def _run_with_statistics(store: RunStore, run_id: str, job: Job, field: str) -> RunRecord:
    run = store.get(run_id)
    if run is None:
        raise ConfigError(f"run '{run_id}' is not in the run history; pick one from "
                          "`dqv history JOB --all`", file=str(job.file), field=field)
    if run.statistics is None:
        raise ConfigError(f"run '{run_id}' has no statistics (outcome "
                          f"{run.outcome.value if run.outcome else 'running'}); pick an evaluated run",
                          file=str(job.file), field=field)
    return run


def _load(run: RunRecord, what: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    assert run.statistics is not None
    try:
        return read_statistics(run.statistics)
    except OSError as err:
        raise DataError(f"{what} statistics of run {run.run_id} unreadable: {err}") from None
