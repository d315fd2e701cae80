"""Job files (`jobs/<name>.yaml`) parsed into typed models.

Every field is documented in docs/job-file.md. Relative paths in a job file
are resolved against the project directory: the directory that holds `jobs/`.
"""

from __future__ import annotations

import pathlib
import re
import typing
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from validator.config.schedule import ScheduleConfig
from validator.config.yaml_loader import parse_model
from validator.core.monitor_settings import MonitorsConfig
from validator.core.policy import SeverityConfig, SeverityRule, StrictModel, Waiver
from validator.core.readiness import Deadline
from validator.core.suggest import did_you_mean
from validator.errors import ConfigError

__all__ = ["SeverityConfig", "SeverityRule", "StrictModel", "Waiver"]  # re-exported for job files

JOB_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,62}$")


class PartitionConfig(StrictModel):
    """How one date partition (`--ds`) is selected from local files.

    A `{ds}` placeholder in `path` needs no partition block.
    """

    hive_key: str | None = Field(None, description="folder key: PATH/<hive_key>=YYYY-MM-DD/")
    column: str | None = Field(None, description="keep only rows whose column equals the ds")

    @model_validator(mode="after")
    def _one_style(self) -> PartitionConfig:
        if bool(self.hive_key) == bool(self.column):
            raise ValueError("give exactly one of 'hive_key' or 'column'")
        return self


class LocalSource(StrictModel):
    """Parquet or CSV files on local disk: one file, a folder, or a glob."""

    kind: Literal["local"]
    path: str
    format: Literal["parquet", "csv"] | None = None
    partition: PartitionConfig | None = None
    columns: list[str] | None = None
    csv_delimiter: str = ","
    # CSV text is taken as written: only an empty field is missing, unless markers are listed
    # here (e.g. [NA, "null"]). pyarrow's default list would drop country code NA.
    csv_null_values: list[str] = Field(default_factory=list)
    batch_rows: int = Field(65_536, ge=1, le=10_000_000)

    @field_validator("csv_delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("csv_delimiter must be a single character")
        return value

    @model_validator(mode="after")
    def _ds_once(self) -> LocalSource:
        if self.partition and "{ds}" in self.path:
            raise ValueError("use either a '{ds}' placeholder in 'path' or a 'partition' block, not both")
        return self


_BQ_TABLE = re.compile(r"^(?:[A-Za-z0-9\-:.]+\.)?[A-Za-z0-9_\-]+\.[\w\-${}]+$")


class BigQueryPartition(StrictModel):
    """Which rows make one ds: a DATE/TIMESTAMP/DATETIME column, or the ingestion-time
    partition (`_PARTITIONDATE`)."""

    column: str | None = Field(None, description="rows whose column falls on the ds")
    ingestion_time: bool = Field(False, description="the table is partitioned by ingestion time")

    @model_validator(mode="after")
    def _one_style(self) -> BigQueryPartition:
        if bool(self.column) == self.ingestion_time:
            raise ValueError("give exactly one of 'column' or 'ingestion_time: true'")
        return self


class BigQuerySource(StrictModel):
    """A BigQuery table (or one date partition of it) or a query, read through the Storage
    Read API in Arrow (docs/bigquery.md)."""

    kind: Literal["bigquery"]
    project: str | None = Field(None, description="billing project; default GOOGLE_CLOUD_PROJECT "
                                                  "or the credentials' project")
    table: str | None = Field(None, description="[project.]dataset.table; may hold {ds_nodash}")
    query: str | None = Field(None, description="standard SQL; @ds is the partition date")
    partition: BigQueryPartition | None = None
    full_scan: bool = Field(False, description="allow reading a partitioned table whole")
    columns: list[str] | None = None
    row_filter: str | None = Field(None, description="a GoogleSQL condition on the rows")
    maximum_bytes_billed: int | None = Field(None, ge=1)
    location: str | None = None
    endpoint: str | None = Field(None, description="REST_URL,GRPC_HOST:PORT; env "
                                                   "DQV_BIGQUERY_ENDPOINT")
    max_streams: int = Field(4, ge=1, le=1000)
    retries: int = Field(3, ge=0, le=10)
    timeout_seconds: float = Field(60.0, gt=0, le=3600)

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        if value is not None and not _BQ_TABLE.match(value):
            raise ValueError(f"'{value}' is not a table name; write dataset.table or "
                             "project.dataset.table")
        if value is not None and "{" in value.replace("{ds_nodash}", ""):
            raise ValueError("the only placeholder a table name may hold is {ds_nodash}")
        return value

    @model_validator(mode="after")
    def _what_to_read(self) -> BigQuerySource:
        if bool(self.table) == bool(self.query):
            raise ValueError("give exactly one of 'table' or 'query'")
        if self.query and (self.partition or self.full_scan):
            raise ValueError("'partition' and 'full_scan' go with 'table'; a query selects its "
                             "rows itself (use @ds)")
        if self.partition and self.full_scan:
            raise ValueError("'full_scan: true' reads the whole table; drop it or 'partition'")
        return self


class BaselineConfig(StrictModel):
    """Which earlier run's statistics serve as the drift baseline: the latest passing run
    before this ds (from the run history), a pinned run, or none."""

    policy: Literal["last_passing", "pinned", "none"] = "last_passing"
    max_age_days: int | None = Field(None, ge=1)
    run_id: str | None = Field(None, description="the pinned run (policy: pinned)")

    @model_validator(mode="after")
    def _pinned_run(self) -> BaselineConfig:
        if (self.policy == "pinned") != bool(self.run_id):
            raise ValueError("'run_id' goes with 'policy: pinned' (and only with it); copy the "
                             "run id from `dqv history JOB`")
        return self


class SkewConfig(StrictModel):
    """Training/serving skew: the statistics this job's data is compared with, using the
    schema's `skew_comparator`s. Give exactly one reference."""

    reference_run_id: str | None = Field(None, description="a dqv run (e.g. of the training job)")
    reference_job: str | None = Field(None, description="the latest passing run of this job")
    reference_statistics: str | None = Field(
        None, description="a FeatureStats.pb file (or a TFX ExampleStatistics folder)")

    @model_validator(mode="after")
    def _one_reference(self) -> SkewConfig:
        given = [v for v in (self.reference_run_id, self.reference_job, self.reference_statistics) if v]
        if len(given) != 1:
            raise ValueError("give exactly one of 'reference_run_id', 'reference_job' or "
                             "'reference_statistics'")
        return self


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class MetricsConfig(StrictModel):
    """Prometheus metrics of the job's runs, pushed to a Pushgateway (docs/metrics-and-alerts.md)."""

    pushgateway_url: str | None = Field(None, description="overrides env DQV_PUSHGATEWAY_URL")
    strict: bool = Field(False, description="a failed push makes a passing run exit 2")
    expected_interval: str = Field("26h", description="longest normal gap between passing runs")
    timeout_seconds: float = Field(10.0, gt=0, le=300)

    @field_validator("expected_interval")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration_seconds(value)
        return value

    @property
    def expected_interval_seconds(self) -> float:
        return duration_seconds(self.expected_interval)


def duration_seconds(text: str) -> float:
    """'26h' -> 93600.0; ValueError (reported with file and line) for anything else."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a duration; write e.g. '26h', '90m' or '2d'")
    return float(match.group(1)) * _DURATION_SECONDS[match.group(2)]


class EvidenceConfig(StrictModel):
    """Row evidence (docs/job-file.md "evidence"): sample rows behind each blocking finding
    about values, and a query that finds all of them. Read only when a run has such findings."""

    enabled: bool = True
    max_rows: int = Field(20, ge=1, le=1000, description="sample rows kept per finding")
    mask: list[str] = Field(default_factory=list,
                            description="columns read but shown as *** (also in findings and statistics)")
    omit: list[str] = Field(default_factory=list,
                            description="columns never read for evidence (and masked elsewhere)")

    @model_validator(mode="after")
    def _mask_or_omit(self) -> EvidenceConfig:
        both = sorted({c.lower() for c in self.mask} & {c.lower() for c in self.omit})
        if both:
            raise ValueError(f"column(s) {', '.join(both)} are in both 'mask' and 'omit'; keep one")
        return self

    @property
    def hidden(self) -> tuple[str, ...]:
        """Columns whose values never leave the run (masked or omitted)."""
        return (*self.mask, *self.omit)


class Job(StrictModel):
    """One scheduled data-quality job."""

    name: str
    description: str = ""
    owner: str = ""
    schema_file: str = Field(alias="schema")
    environment: str | None = None
    source: Annotated[LocalSource | BigQuerySource, Field(discriminator="kind")]
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)
    skew: SkewConfig | None = None
    severity: SeverityConfig = Field(default_factory=SeverityConfig)
    waivers: list[Waiver] = Field(default_factory=list)
    schedule: ScheduleConfig | None = None
    # Statistics engine (docs/engines-and-benchmarks.md): local processes, an Apache Beam
    # pipeline, or BigQuery itself.
    engine: Literal["auto", "fast", "local", "beam", "warehouse"] = "auto"
    beam_options: list[str] = Field(default_factory=list,
                                    description="pipeline options, e.g. --runner=DataflowRunner")
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    # Monitors that learn from the run history (docs/monitors.md).
    monitors: MonitorsConfig = Field(default_factory=MonitorsConfig)
    # When the ds's data is due (README "Late data"): "10:00" on the day after ds in the
    # schedule's timezone, or "+6h" after the end of the ds. Past it, missing data blocks.
    expect_data_by: str | None = None
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)

    # Set by the loader, not read from the file.
    project_dir: pathlib.Path = Field(pathlib.Path("."), exclude=True)
    file: pathlib.Path = Field(pathlib.Path("."), exclude=True)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not JOB_NAME.match(value):
            raise ValueError("job names use lower-case letters, digits, '_' and '-' (at most 63)")
        return value

    @field_validator("waivers")
    @classmethod
    def _one_waiver_each(cls, value: list[Waiver]) -> list[Waiver]:
        keys = [(w.feature, w.anomaly) for w in value]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"two waivers for feature '{key[0]}' and anomaly '{key[1]}'; keep one")
        return value

    @field_validator("expect_data_by")
    @classmethod
    def _deadline(cls, value: str | None) -> str | None:
        if value is not None:
            Deadline.parse(value)
        return value

    @model_validator(mode="after")
    def _freshness_zone(self) -> Job:
        # ds days are the job's local days: freshness follows the schedule's timezone unless
        # the job names another (docs/monitors.md "Freshness").
        freshness = self.monitors.freshness
        if freshness.timezone is None and self.schedule is not None:
            zoned = freshness.model_copy(update={"timezone": self.schedule.timezone})
            object.__setattr__(self, "monitors",
                               self.monitors.model_copy(update={"freshness": zoned}))
        return self

    @property
    def deadline(self) -> Deadline | None:
        return Deadline.parse(self.expect_data_by) if self.expect_data_by else None

    @property
    def timezone(self) -> str:
        """The job's local time: its schedule's timezone, else UTC (deadlines, --ds today)."""
        return self.schedule.timezone if self.schedule else "UTC"

    @property
    def partitioned(self) -> bool:
        """True when each run reads one ds (a run without --ds cannot say which)."""
        src = self.source
        if isinstance(src, LocalSource):
            return bool(src.partition) or "{ds}" in src.path
        return bool(src.partition) or "{ds_nodash}" in (src.table or "") or "@ds" in (src.query or "")

    def resolve(self, path: str) -> pathlib.Path:
        candidate = pathlib.Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.project_dir / candidate

    @property
    def schema_path(self) -> pathlib.Path:
        return self.resolve(self.schema_file)


def project_dir_for(job_file: pathlib.Path) -> pathlib.Path:
    """The directory holding `jobs/`, against which a job's relative paths resolve."""
    folder = job_file.resolve().parent
    return folder.parent if folder.name == "jobs" else folder


def load_job(job_file: pathlib.Path) -> Job:
    """Parse and check one job file. Raises ConfigError naming file, line and field."""
    job_file = pathlib.Path(job_file)
    job = parse_model(job_file, Job)
    if job.name != job_file.stem:
        raise ConfigError(f"job name '{job.name}' differs from the file name; rename the file to "
                          f"'{job.name}.yaml' or the job to '{job_file.stem}'",
                          file=str(job_file), field="name")
    return job.model_copy(update={"project_dir": project_dir_for(job_file), "file": job_file})


def find_job(ref: str, project_dir: pathlib.Path) -> pathlib.Path:
    """A job given by name (jobs/<name>.yaml under the project) or by path."""
    as_path = pathlib.Path(ref)
    if ref.endswith((".yaml", ".yml")) or as_path.is_file():
        if not as_path.is_file():
            raise ConfigError("job file not found; check the path", file=ref)
        return as_path
    candidate = project_dir / "jobs" / f"{ref}.yaml"
    if not candidate.is_file():
        names = sorted(p.stem for p in (project_dir / "jobs").glob("*.yaml"))
        raise ConfigError(f"no job named '{ref}' in {project_dir / 'jobs'}"
                          f"{did_you_mean(ref, names)} (known: {', '.join(names) or 'none'})")
    return candidate


def all_job_files(project_dir: pathlib.Path) -> list[pathlib.Path]:
    return sorted((project_dir / "jobs").glob("*.yaml"))


def engine_names() -> tuple[str, ...]:
    """The values of a job's `engine` field (the CLI's --engine offers the same)."""
    return typing.get_args(Job.model_fields["engine"].annotation)
