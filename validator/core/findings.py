"""Findings (one anomaly on one feature) and the outcome they add up to. Pure, and light:
the gate reads findings back from the run history without importing TFDV."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from validator.core.outcome import Outcome, Severity


@dataclasses.dataclass(frozen=True)
class AppliedWaiver:
    """A job waiver that matched a finding. `expired` waivers change nothing; they are shown
    so that the owner sees that their exception ran out."""

    until: str  # YYYY-MM-DD, inclusive
    owner: str
    reason: str
    expired: bool
    waived_severity: Severity  # the severity the job's policy gave before the waiver

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["waived_severity"] = self.waived_severity.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppliedWaiver:
        return cls(until=str(data["until"]), owner=str(data["owner"]), reason=str(data["reason"]),
                   expired=bool(data["expired"]), waived_severity=Severity(data["waived_severity"]))


@dataclasses.dataclass(frozen=True)
class Finding:
    """One anomaly on one feature, with the severity the job's policy (and waivers) give it."""

    feature: str
    anomaly_type: str
    severity: Severity
    short_description: str
    description: str
    value: float | None = None
    threshold: float | None = None
    waiver: AppliedWaiver | None = None

    @property
    def policy_severity(self) -> Severity:
        """The severity before any waiver: what a changed or revoked waiver starts from."""
        if self.waiver is not None and not self.waiver.expired:
            return self.waiver.waived_severity
        return self.severity

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.value
        data["waiver"] = self.waiver.to_json() if self.waiver else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """Read back a finding stored in run.json (records older than waivers have no 'waiver')."""
        waiver = data.get("waiver")
        return cls(feature=str(data["feature"]), anomaly_type=str(data["anomaly_type"]),
                   severity=Severity(data["severity"]),
                   short_description=str(data.get("short_description", "")),
                   description=str(data.get("description", "")),
                   value=data.get("value"), threshold=data.get("threshold"),
                   waiver=AppliedWaiver.from_json(waiver) if waiver else None)


def outcome_of(findings: Iterable[Finding]) -> Outcome:
    """The highest severity decides: any error blocks, a warning warns; ignored ones don't count."""
    worst = max((f.severity for f in findings if f.severity is not Severity.IGNORE),
                key=lambda s: s.rank, default=None)
    return Outcome.from_severity(worst)
