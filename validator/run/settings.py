"""How runs are made in this process: where artifacts go, progress, engine overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib

from validator.history import artifact_fs


@dataclasses.dataclass(frozen=True)
class RunSettings:
    artifact_root: pathlib.Path
    progress: bool = True
    engine: str | None = None  # overrides the job's engine (CLI --engine)
    beam_options: tuple[str, ...] = ()  # added after the job's beam_options (CLI --beam-option)
    slack_summary: bool = False  # backfill: one Slack summary at the end, not one per day
    # The id to record a run under, for settings of one run (RunSession.run's run_id: the
    # service chooses it, to answer it before the run starts); a new id per run by default.
    run_id: str | None = None


def artifact_dir(root: pathlib.Path, job: str, ds: dt.date | None, run_id: str) -> str:
    return artifact_fs.join(root, job, f"ds={ds.isoformat() if ds else 'none'}", run_id)
