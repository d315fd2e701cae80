"""The record of one run: what run.json holds and what the run history stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import secrets
from typing import Any

from validator.core.outcome import Outcome

RUN_FILE = "run.json"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_run_id(now: dt.datetime) -> str:
    """Sortable by start time, unique across processes."""
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-" + secrets.token_hex(3)


@dataclasses.dataclass
class RunRecord:
    run_id: str
    job: str
    ds: str | None
    started_at: str
    outcome: Outcome | None = None  # None while running
    ended_at: str | None = None
    rows: int = 0
    bytes_read: int = 0
    source_uri: str = ""
    engine: str = "local"
    artifact_dir: str = ""
    statistics: str | None = None  # path of FeatureStats.pb
    anomalies: str | None = None  # path of anomalies.pbtxt
    baseline_run_id: str | None = None
    baseline_ds: str | None = None
    reference_run_id: str | None = None  # skew reference: a run's statistics, or
    reference_statistics: str | None = None  # the path/URI of a statistics file
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    measurements: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    monitors: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # MonitorResult
    error: str | None = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    delivery: dict[str, str] = dataclasses.field(default_factory=dict)
    source_details: dict[str, Any] = dataclasses.field(default_factory=dict)
    dqv_version: str = ""

    @property
    def is_finished(self) -> bool:
        return self.outcome is not None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["outcome"] = self.outcome.value if self.outcome else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["outcome"] = Outcome(data["outcome"]) if data.get("outcome") else None
        return cls(**values)

    def write(self, folder: pathlib.Path) -> pathlib.Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / RUN_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(path)  # readers never see half a file
        return path
