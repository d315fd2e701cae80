"""The Python API for training pipelines (docs/gate-and-waivers.md "Python API").

    from validator.run.api import check, require_pass

    verdict = check("training_events", "2026-11-05", project_dir="/srv/dqv")
    if verdict.may_train: ...

    require_pass("training_events", ds)   # raises DataQualityBlocked unless pass or warn
                                          # (DataNotReady, a subclass, when no data yet)

Both answer like `dqv gate`: from the run history when a fresh evaluated run of the ds exists,
else by running the job now. A bad job file raises `ConfigError` (also a `DqvError`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pathlib

from validator.config.job import Job, find_job, load_job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.errors import DqvError
from validator.run.gate import GateVerdict, evaluate, wait_for_data

__all__ = ["DataNotReady", "DataQualityBlocked", "GateOptions", "GateVerdict", "check",
           "require_pass"]

PathLike = str | os.PathLike[str]


class DataQualityBlocked(DqvError):
    """The gate did not let training go on: blocked, not evaluated, or not ready."""

    def __init__(self, verdict: GateVerdict) -> None:
        self.verdict = verdict
        what = ", ".join(f"{f.feature}:{f.anomaly_type}" for f in verdict.blocking)
        reason = verdict.error if verdict.error else what or "no details"
        super().__init__(f"data-quality gate {verdict.outcome.value} for {verdict.job} "
                         f"ds={verdict.ds} (run {verdict.run_id}): {reason}")


class DataNotReady(DataQualityBlocked):
    """No data for the ds yet (`Outcome.NOT_READY`, exit 3): late, not bad. Retry later."""


@dataclasses.dataclass(frozen=True)
class GateOptions:
    """Where the project and the run history live, and how fresh an answer must be."""

    project_dir: pathlib.Path = dataclasses.field(
        default_factory=lambda: pathlib.Path(os.environ.get("DQV_PROJECT_DIR", ".")))
    artifact_root: pathlib.Path | None = None  # default: env DQV_ARTIFACT_ROOT, else PROJECT/dqv-artifacts
    max_age: dt.timedelta | None = None  # None: any finished evaluated run of the ds answers
    wait: dt.timedelta | None = None  # while not ready, check again every `poll` this long
    poll: dt.timedelta = dt.timedelta(minutes=5)
    progress: bool = False

    def root(self) -> pathlib.Path:
        if self.artifact_root is not None:
            return self.artifact_root
        env = os.environ.get("DQV_ARTIFACT_ROOT")
        return pathlib.Path(env) if env else self.project_dir / "dqv-artifacts"


def _job(job: Job | PathLike, project_dir: pathlib.Path) -> Job:
    if isinstance(job, Job):
        return job
    return load_job(find_job(str(job), project_dir))


def _date(ds: dt.date | str) -> dt.date:
    if isinstance(ds, dt.date):
        return ds
    try:
        return dt.date.fromisoformat(ds)
    except ValueError:
        raise DqvError(f"ds '{ds}' is not a date; use YYYY-MM-DD") from None


def check(job: Job | PathLike, ds: dt.date | str, options: GateOptions | None = None) -> GateVerdict:
    """The gate's typed verdict for `job` (name, path or loaded Job) and `ds`. Never raises for
    bad data: a missing partition is an `Outcome.NOT_READY` verdict (exit 3), an unreadable one
    `Outcome.NOT_EVALUATED`. With `options.wait`, a not-ready answer is checked again every
    `options.poll` until the data is there or the wait ends."""
    from validator.run.session import RunSession
    from validator.run.settings import RunSettings

    options = options or GateOptions()
    loaded = _job(job, pathlib.Path(options.project_dir))
    settings = RunSettings(artifact_root=options.root(), progress=options.progress)
    session = RunSession(settings)

    def run_now(j: Job, day: dt.date) -> RunRecord:
        return session.run(j, day).record

    day = _date(ds)

    def answer() -> GateVerdict:
        return evaluate(loaded, day, session.store, run_now, max_age=options.max_age)

    if options.wait is None:
        return answer()
    return wait_for_data(answer, options.wait, options.poll)


def require_pass(job: Job | PathLike, ds: dt.date | str, options: GateOptions | None = None
                 ) -> GateVerdict:
    """Like `check`, but raise `DataQualityBlocked` unless training may go on (pass or warn)."""
    verdict = check(job, ds, options)
    if verdict.outcome is Outcome.NOT_READY:
        raise DataNotReady(verdict)
    if not verdict.may_train:
        raise DataQualityBlocked(verdict)
    return verdict
