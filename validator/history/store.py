"""The run history behind one small interface.

The CLI uses the ML Metadata store (validator/history/mlmd_store.py). `FileRunStore` keeps the index
in the run.json files of the artifact root: a simple store for tests and tools without MLMD.
"""

from __future__ import annotations

import json
import pathlib
from typing import Protocol

from validator.core.outcome import Outcome
from validator.core.record import RUN_FILE, RunRecord
from validator.errors import StoreError


class RunStore(Protocol):
    def start(self, record: RunRecord) -> None:
        """Record that a run began (outcome None)."""
        ...

    def finish(self, record: RunRecord) -> None:
        """Record the run's final state. Called again after observers ran, to add their
        delivery status; the outcome never changes then."""
        ...

    def runs(self, job: str) -> list[RunRecord]:
        """All runs of a job, oldest first."""
        ...

    def get(self, run_id: str) -> RunRecord | None: ...

    def last_passing(self, job: str, before_ds: str | None) -> RunRecord | None:
        """The latest passing run of `job` whose ds is before `before_ds` (any ds if None)."""
        ...


def latest_passing(runs: list[RunRecord], before_ds: str | None) -> RunRecord | None:
    """The baseline rule, shared by every store: latest ds first, then latest run of that ds;
    only finished passing runs; a ds later than or equal to the one being checked never counts.
    A job without partitions (no ds) compares with its latest passing run."""
    passing = [r for r in runs if r.outcome is not None and r.outcome.is_passing]
    if before_ds is None and not any(r.ds for r in passing):
        return max(passing, key=lambda r: r.started_at, default=None)
    candidates = [r for r in runs if r.outcome is not None and r.outcome.is_passing
                  and r.ds is not None and (before_ds is None or r.ds < before_ds)]
    if not candidates:
        return None
    best_ds = max(r.ds for r in candidates if r.ds is not None)
    # A re-run that could not evaluate (an outage, a kill) says nothing about the data.
    same_ds = [r for r in runs if r.ds == best_ds and r.outcome is not None
               and r.outcome is not Outcome.NOT_EVALUATED]
    # A later re-run of that ds that did not pass revokes it as a baseline.
    latest = max(same_ds, key=lambda r: r.started_at)
    if latest.outcome is not None and latest.outcome.is_passing:
        return latest
    return latest_passing([r for r in runs if r.ds != best_ds], before_ds)


class FileRunStore:
    def __init__(self, root: pathlib.Path) -> None:
        self.root = root

    def start(self, record: RunRecord) -> None:
        self._write(record)

    def finish(self, record: RunRecord) -> None:
        self._write(record)

    def _write(self, record: RunRecord) -> None:
        try:
            record.write(pathlib.Path(record.artifact_dir))
        except OSError as err:
            raise StoreError(f"cannot write {record.artifact_dir}/{RUN_FILE}: {err}; check the "
                             "artifact root's permissions and free space") from None

    def _load_all(self, pattern: str) -> list[RunRecord]:
        records = []
        for path in sorted(self.root.glob(pattern)):
            try:
                records.append(RunRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError, KeyError):
                continue  # a damaged run.json is not a run; the others still count
        return records

    def runs(self, job: str) -> list[RunRecord]:
        return sorted(self._load_all(f"{job}/*/*/{RUN_FILE}"), key=lambda r: r.started_at)

    def get(self, run_id: str) -> RunRecord | None:
        found = self._load_all(f"*/*/{run_id}/{RUN_FILE}")
        return found[0] if found else None

    def last_passing(self, job: str, before_ds: str | None) -> RunRecord | None:
        return latest_passing(self.runs(job), before_ds)


def open_store(artifact_root: pathlib.Path) -> RunStore:
    """The run history the CLI and the service use. One place to choose it: ML Metadata
    (SQLite under the artifact root by default, or DQV_METADATA; validator/history/mlmd_store.py)."""
    from validator.history.mlmd_store import MlmdRunStore

    return MlmdRunStore(artifact_root)
