"""`dqv history JOB`: a job's runs from the run history, as a table or JSON.

By default one row per ds: its latest run (a re-run supersedes the earlier ones, which stay
in the store and show with --all).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Sequence
from typing import Any

from validator.cli.render import table
from validator.core.record import RunRecord
from validator.core.text import terminal_safe
from validator.errors import ConfigError
from validator.history.store import RunStore


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    run_id: str
    ds: str | None
    outcome: str  # pass | warn | block | not_evaluated | running
    rows: int
    anomalies: int  # reported (not ignored) findings
    errors: int
    warnings: int
    duration_s: float | None
    started_at: str
    baseline_ds: str | None
    baseline_run_id: str | None
    error: str | None
    superseded: bool  # a later run of the same ds exists

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _row(record: RunRecord, superseded: bool) -> HistoryRow:
    counts = record.counts
    return HistoryRow(
        run_id=record.run_id, ds=record.ds,
        outcome=record.outcome.value if record.outcome else "running",
        rows=record.rows, anomalies=counts.anomalies,
        errors=counts.errors, warnings=counts.warnings,
        duration_s=record.duration_s, started_at=record.started_at,
        baseline_ds=record.baseline_ds, baseline_run_id=record.baseline_run_id,
        error=record.error, superseded=superseded)


def history_rows(runs: Sequence[RunRecord], *, last: int | None = None,
                 all_runs: bool = False) -> list[HistoryRow]:
    """Rows ordered by ds, then start time. `last` keeps the last N ds (or runs, with
    `all_runs`)."""
    latest: dict[str | None, RunRecord] = {}
    for run in sorted(runs, key=lambda r: r.started_at):
        latest[run.ds] = run
    newest = {r.run_id for r in latest.values()}
    chosen = runs if all_runs else list(latest.values())
    ordered = sorted(chosen, key=lambda r: (r.ds or "", r.started_at))
    rows = [_row(r, r.run_id not in newest) for r in ordered]
    return rows[-last:] if last else rows


def _anomalies(row: HistoryRow) -> str:
    if row.outcome in ("not_evaluated", "not_ready", "running"):
        return "-"
    parts = [f"{n} {label}{'' if n == 1 else 's'}"
             for n, label in ((row.errors, "error"), (row.warnings, "warning")) if n]
    return f"{row.anomalies} ({', '.join(parts)})" if parts else str(row.anomalies)


def _note(row: HistoryRow) -> str:
    notes = []
    if row.superseded:
        notes.append("superseded by a later run")
    if row.error:
        notes.append(row.error)
    elif row.baseline_ds:
        notes.append(f"baseline ds={row.baseline_ds}")
    return "; ".join(notes) or "-"


def render_history(job: str, rows: Sequence[HistoryRow], *, all_runs: bool) -> str:
    what = "all runs" if all_runs else "latest run per ds"
    head = f"{job}: {len(rows)} {'run' if len(rows) == 1 else 'runs'} ({what})"
    body = [(r.ds or "-", r.outcome, f"{r.rows:,}", _anomalies(r),
             "-" if r.duration_s is None else f"{r.duration_s:.1f}s", r.run_id, _note(r))
            for r in rows]
    return head + "\n" + table(["DS", "OUTCOME", "ROWS", "ANOMALIES", "DURATION", "RUN", "NOTE"],
                               body, max_width=70)


def history_json(job: str, rows: Sequence[HistoryRow]) -> str:
    return json.dumps({"job": job, "runs": [r.to_json() for r in rows]}, indent=2, sort_keys=True)


def job_name(ref: str) -> str:
    """A job given by name or by the path of its file (whose stem is the name)."""
    return pathlib.PurePath(ref).stem if ref.endswith((".yaml", ".yml")) else ref


def history_command(store: RunStore, ref: str, *, project_dir: pathlib.Path, last: int | None,
                    all_runs: bool, as_json: bool) -> int:
    job = job_name(ref)
    runs = store.runs(job)
    if not runs and not (project_dir / "jobs" / f"{job}.yaml").is_file():
        raise ConfigError(f"no runs of job '{job}' in the run history and no jobs/{job}.yaml in "
                          f"{project_dir}; check the job name, --project-dir and --artifact-root")
    rows = history_rows(runs, last=last, all_runs=all_runs)
    if as_json:
        print(history_json(job, rows))
    elif not rows:
        print(terminal_safe(f"{job}: no runs yet"))
    else:
        print(terminal_safe(render_history(job, rows, all_runs=all_runs), keep_newlines=True))
    return 0
