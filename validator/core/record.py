"""The record of one run: what run.json holds and what the run history stores.

Typed end to end: findings, measurements and delivery status are values, not dicts, until the
store serialises them (`to_json`); `from_json` reads back any record dqv ever wrote. Duration,
severity counts and the worst-first order are defined here (and in core/findings.py), once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any

from validator.core.evidence import RowEvidence
from validator.core.findings import Finding, Measurement, SeverityCounts, worst_first
from validator.core.outcome import Outcome

RUN_FILE = "run.json"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_run_id(now: dt.datetime) -> str:
    """Sortable by start time, unique across processes."""
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-" + secrets.token_hex(3)


@dataclasses.dataclass(frozen=True)
class DeliveryStatus:
    """Whether one observer (metrics, slack) delivered a run's result. Stored as "ok" or
    "failed: <reason>", the form run.json has always had."""

    ok: bool
    reason: str = ""

    @classmethod
    def delivered(cls) -> DeliveryStatus:
        return cls(True)

    @classmethod
    def failed(cls, reason: str) -> DeliveryStatus:
        return cls(False, reason)

    @classmethod
    def parse(cls, text: str) -> DeliveryStatus:
        if text == "ok":
            return cls(True)
        return cls(False, text.removeprefix("failed: "))

    def __str__(self) -> str:
        return "ok" if self.ok else f"failed: {self.reason}"

    def __eq__(self, other: object) -> bool:  # compares with its stored text too
        if isinstance(other, str):
            return str(self) == other
        if isinstance(other, DeliveryStatus):
            return (self.ok, self.reason) == (other.ok, other.reason)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


class _Delivery(dict[str, DeliveryStatus]):
    """Delivery status per observer; a stored text ("ok", "failed: ...") becomes a value."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__()
        for key, value in dict(items).items():
            self[key] = value

    def __setitem__(self, key: str, value: DeliveryStatus | str) -> None:
        super().__setitem__(key, value if isinstance(value, DeliveryStatus)
                            else DeliveryStatus.parse(str(value)))


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
    findings: list[Finding] = dataclasses.field(default_factory=list)
    measurements: list[Measurement] = dataclasses.field(default_factory=list)
    # what each monitor judged (core.monitors.MonitorResult.to_json())
    monitors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # sample rows and a pasteable query per blocking value finding (core/evidence.py)
    evidence: list[RowEvidence] = dataclasses.field(default_factory=list)
    error: str | None = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    delivery: dict[str, DeliveryStatus] = dataclasses.field(default_factory=dict)
    source_details: dict[str, Any] = dataclasses.field(default_factory=dict)
    dqv_version: str = ""

    def __setattr__(self, name: str, value: Any) -> None:
        # The record stays typed whatever a caller hands in: stored forms (JSON dicts, "ok" /
        # "failed: ..." texts) become values here, on construction and on every assignment.
        if name == "findings":
            value = [f if isinstance(f, Finding) else Finding.from_json(f) for f in value]
        elif name == "measurements":
            value = [m if isinstance(m, Measurement) else Measurement.from_json(m) for m in value]
        elif name == "evidence":
            value = [e if isinstance(e, RowEvidence) else RowEvidence.from_json(e) for e in value]
        elif name == "delivery":
            value = _Delivery(value)
        super().__setattr__(name, value)

    @property
    def is_finished(self) -> bool:
        return self.outcome is not None

    @property
    def duration_s(self) -> float | None:
        """Wall seconds from start to end; None while running."""
        if not self.ended_at:
            return None
        delta = dt.datetime.fromisoformat(self.ended_at) - dt.datetime.fromisoformat(self.started_at)
        return round(delta.total_seconds(), 3)

    @property
    def counts(self) -> SeverityCounts:
        return SeverityCounts.of(self.findings)

    @property
    def reported(self) -> list[Finding]:
        """The findings that are shown (not ignored), worst first."""
        return worst_first(self.findings)

    def measurements_of(self, comparison: str) -> list[Measurement]:
        return [m for m in self.measurements if m.comparison == comparison]

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["outcome"] = self.outcome.value if self.outcome else None
        data["findings"] = [f.to_json() for f in self.findings]
        data["measurements"] = [m.to_json() for m in self.measurements]
        data["evidence"] = [e.to_json() for e in self.evidence]
        data["delivery"] = {k: str(v) for k, v in self.delivery.items()}
        data["timings"] = dict(self.timings)
        data["source_details"] = dict(self.source_details)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["outcome"] = Outcome(data["outcome"]) if data.get("outcome") else None
        return cls(**values)
