"""Gathers what one day's report shows from the run history.

Only the `RunStore` protocol (`runs`, `get`) is used, so the report works on any store.
"The date" is the partition date (`ds`) by default: a daily report about daily partitions.
With `by="run_day"` it is the UTC day the runs started instead (useful after a backfill or for
jobs whose ds lags); then each job may appear once per ds it ran for that day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import pathlib
from collections.abc import Callable, Sequence
from typing import Any, Literal

from tensorflow_metadata.proto.v0 import schema_pb2

from validator.core.monitors import MonitorResult
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.errors import ConfigError
from validator.history.store import RunStore
from validator.report.features import DatasetSummary, FeatureComparison, compare

log = logging.getLogger("dqv")
DateKind = Literal["ds", "run_day"]
TREND_DAYS = 30
# Worst first: a blocked job is known bad; a job that could not be evaluated is blocked too
# (fail closed) but says less about the data, so it comes right after.
OUTCOME_RANK = {Outcome.BLOCK: 0, Outcome.NOT_EVALUATED: 1, Outcome.NOT_READY: 2, Outcome.WARN: 3,
                Outcome.PASS: 4}

StatsReader = Callable[[str], DatasetSummary]


BQ_PSEUDO_COLUMNS = ("_PARTITIONTIME", "_PARTITIONDATE")


@dataclasses.dataclass(frozen=True)
class JobInfo:
    name: str
    owner: str = ""
    description: str = ""
    partition_columns: tuple[str, ...] = ()  # the columns that select the ds: never highlighted
    time_columns: tuple[str, ...] = ()  # the job's event_time (shown as dates)
    schema_path: str | None = None  # the job's schema, for the checks section


def info_of(job: Any) -> JobInfo:
    """The report's view of a loaded `Job` model (config/job.py)."""
    source = job.source
    partition = getattr(source, "partition", None)
    columns = [c for c in (getattr(partition, "column", None), getattr(partition, "hive_key", None))
               if c]
    if getattr(source, "kind", "") == "bigquery":
        columns += BQ_PSEUDO_COLUMNS
    event_time = job.monitors.event_time
    return JobInfo(job.name, job.owner, job.description, partition_columns=tuple(columns),
                   time_columns=(event_time,) if event_time else (),
                   schema_path=str(job.schema_path))


@dataclasses.dataclass(frozen=True)
class TrendPoint:
    ds: str
    outcome: str
    rows: int | None
    missing: float | None
    drift: float | None  # the largest drift distance of the run (any comparator)
    # what each banded monitor said that day (key -> result), from run.json `monitors`
    monitors: dict[str, MonitorResult] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class JobReport:
    info: JobInfo
    record: RunRecord
    baseline: RunRecord | None
    features: list[FeatureComparison]
    trend: list[TrendPoint]
    stats_note: str = ""  # why feature statistics are missing, when they are
    schema: schema_pb2.Schema | None = None  # the job's schema (None: unreadable or unknown)
    schema_note: str = ""  # why there is no schema
    summary: DatasetSummary | None = None  # this run's statistics

    @property
    def outcome(self) -> Outcome:
        return self.record.outcome or Outcome.NOT_EVALUATED

    @property
    def sort_key(self) -> tuple[int, int, int, str, str]:
        counts = self.record.counts
        return (OUTCOME_RANK[self.outcome], -counts.errors, -counts.warnings,
                self.info.name, self.record.ds or "")


@dataclasses.dataclass(frozen=True)
class DayReport:
    date: str
    by: DateKind
    generated_at: str
    jobs: list[JobReport]

    def counts(self) -> dict[Outcome, int]:
        out = {o: 0 for o in OUTCOME_RANK}
        for job in self.jobs:
            out[job.outcome] += 1
        return out


def load_job_infos(project_dir: pathlib.Path) -> list[JobInfo]:
    """Every job of the project. A job file that does not parse still names a job: the
    report should show the others rather than fail (`dqv validate-config` reports the error)."""
    from validator.config.job import all_job_files, load_job

    infos = []
    for file in all_job_files(project_dir):
        try:
            infos.append(info_of(load_job(file)))
        except ConfigError as err:
            log.warning("report: %s", err)
            infos.append(JobInfo(file.stem))
    return infos


def run_day(record: RunRecord) -> str:
    return dt.datetime.fromisoformat(record.started_at).astimezone(dt.UTC).date().isoformat()


def _latest_per_ds(records: Sequence[RunRecord]) -> dict[str, RunRecord]:
    """A re-run of a ds supersedes the earlier runs of that ds."""
    latest: dict[str, RunRecord] = {}
    for record in sorted(records, key=lambda r: r.started_at):
        if record.outcome is not None and record.ds is not None:
            latest[record.ds] = record
    return latest


def max_drift(record: RunRecord) -> float | None:
    values = [m.value for m in record.measurements_of("drift")]
    return max(values) if values else None


def waivers(record: RunRecord) -> list[dict[str, Any]]:
    """The waivers in force for the run: those attached to its findings and not expired
    (run.json `findings[].waiver`; records older than waivers have none)."""
    out = []
    for finding in record.findings:
        waiver = finding.waiver
        if waiver is not None and not waiver.expired:
            out.append({"feature": finding.feature, "anomaly": finding.anomaly_type,
                        "until": waiver.until, "owner": waiver.owner, "reason": waiver.reason})
    return out


def select_runs(runs: Sequence[RunRecord], date: str, by: DateKind) -> list[RunRecord]:
    """The runs a report of `date` shows for one job: the latest run of each matching ds."""
    if by == "ds":
        chosen = _latest_per_ds([r for r in runs if r.ds == date])
    else:
        chosen = _latest_per_ds([r for r in runs if run_day(r) == date])
    return [chosen[ds] for ds in sorted(chosen)]


def gather(store: RunStore, jobs: Sequence[JobInfo], date: dt.date, read_stats: StatsReader, *,
           by: DateKind = "ds", now: dt.datetime | None = None) -> DayReport:
    """The report of `date`: for every job with a run on it, the latest run, its baseline,
    its features against the baseline's, and the 30-day trend."""
    cache = _SummaryCache(read_stats)
    reports = []
    for info in jobs:
        history = store.runs(info.name)
        for record in select_runs(history, date.isoformat(), by):
            reports.append(_job_report(store, info, record, history, cache))
    reports.sort(key=lambda j: j.sort_key)
    generated = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return DayReport(date.isoformat(), by, generated, reports)


class _SummaryCache:
    """Each FeatureStats.pb is read once, even when it is both a trend point and a baseline."""

    def __init__(self, read: StatsReader) -> None:
        self.read = read
        self.seen: dict[str, DatasetSummary | str] = {}

    def get(self, path: str | None) -> DatasetSummary | str:
        """The summary, or the reason there is none."""
        if not path:
            return "no statistics were written for this run"
        if path not in self.seen:
            try:
                self.seen[path] = self.read(path)
            except (OSError, ValueError) as err:
                self.seen[path] = f"statistics unreadable: {err}"
        return self.seen[path]


def _schema(info: JobInfo) -> tuple[schema_pb2.Schema | None, str]:
    if not info.schema_path:
        return None, "no schema is known for this job (its job file could not be read)"
    from validator.config.schema_io import load_schema

    try:
        return load_schema(pathlib.Path(info.schema_path)), ""
    except ConfigError as err:
        return None, str(err)


def _job_report(store: RunStore, info: JobInfo, record: RunRecord,
                history: Sequence[RunRecord], cache: _SummaryCache) -> JobReport:
    baseline = store.get(record.baseline_run_id) if record.baseline_run_id else None
    current = cache.get(record.statistics)
    note = ""
    features: list[FeatureComparison] = []
    summary = None
    if isinstance(current, str):
        note = record.error or current
    else:
        summary = current
        before = cache.get(baseline.statistics) if baseline else None
        features = compare(current, before if isinstance(before, DatasetSummary) else None,
                           info.partition_columns, info.time_columns)
    schema, schema_note = _schema(info)
    return JobReport(info, record, baseline, features, _trend(record, history, cache), note,
                     schema=schema, schema_note=schema_note, summary=summary)


def monitor_results(record: RunRecord) -> dict[str, MonitorResult]:
    """What each monitor said about the run, by key (run.json `monitors`), in stored order."""
    out = {}
    for data in record.monitors:
        try:
            result = MonitorResult.from_json(data)
        except (KeyError, TypeError, ValueError):
            continue  # a record from another version: its trend point has no band
        out[result.key] = result
    return out


def _trend(record: RunRecord, history: Sequence[RunRecord], cache: _SummaryCache) -> list[TrendPoint]:
    if record.ds is None:
        return []
    end = dt.date.fromisoformat(record.ds)
    start = (end - dt.timedelta(days=TREND_DAYS - 1)).isoformat()
    points = []
    for ds, run in sorted(_latest_per_ds(history).items()):
        if not start <= ds <= end.isoformat():
            continue
        evaluated = run.outcome not in (Outcome.NOT_EVALUATED, Outcome.NOT_READY)
        summary = cache.get(run.statistics) if evaluated else None
        missing = summary.missing_ratio if isinstance(summary, DatasetSummary) else None
        points.append(TrendPoint(ds, run.outcome.value if run.outcome else "running",
                                 run.rows if evaluated else None, missing, max_drift(run),
                                 monitor_results(run)))
    return points


def report_dates(store: RunStore, jobs: Sequence[JobInfo]) -> list[str]:
    """Every ds with at least one finished run, newest first."""
    return [date for date, _ in date_outcomes(store, jobs)]


def date_outcomes(store: RunStore, jobs: Sequence[JobInfo]
                  ) -> list[tuple[str, dict[str, Outcome]]]:
    """Every ds with at least one finished run, newest first, with each job's outcome that ds
    (its latest run of the ds, as the report shows it)."""
    by_date: dict[str, dict[str, Outcome]] = {}
    for info in jobs:
        for ds, record in _latest_per_ds(store.runs(info.name)).items():
            if record.outcome is not None:
                by_date.setdefault(ds, {})[info.name] = record.outcome
    return sorted(by_date.items(), reverse=True)
