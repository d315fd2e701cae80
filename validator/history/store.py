"""The run history behind one small interface.

The CLI uses the ML Metadata store (validator/history/mlmd_store.py). `FileRunStore` keeps the index
in the run.json files of the artifact root: a simple store for tests and tools without MLMD.
"""

from __future__ import annotations

import json
import pathlib
from typing import Protocol

from validator.core.baseline import latest_passing
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


def write_run_file(record: RunRecord, folder: pathlib.Path) -> pathlib.Path:
    """run.json of one run, replaced atomically: readers never see half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RUN_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


class FileRunStore:
    def __init__(self, root: pathlib.Path) -> None:
        self.root = root

    def start(self, record: RunRecord) -> None:
        self._write(record)

    def finish(self, record: RunRecord) -> None:
        self._write(record)

    def _write(self, record: RunRecord) -> None:
        try:
            write_run_file(record, pathlib.Path(record.artifact_dir))
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


