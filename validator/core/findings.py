"""Findings (one anomaly on one feature), measurements (drift and skew distances), and the
outcome they add up to. Pure, and light: the gate reads findings back from the run history
without importing TFDV. The orders and counts every output uses are defined here, once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
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
class ValueCount:
    """One offending value and how many rows hold it (None when only the value is known)."""

    value: str
    count: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ValueCount:
        count = data.get("count")
        return cls(value=str(data.get("value", "")), count=None if count is None else int(count))


@dataclasses.dataclass(frozen=True)
class Detail:
    """Observed vs expected for one finding, as facts every output renders the same way
    (core/finding_text.py). Filled where the statistics, schema, baseline or band say it; an
    empty field means "not known", never "zero"."""

    expected: str = ""  # e.g. "one of desktop, mobile, tablet (schema domain)", "<= 120 (schema max)"
    observed: str = ""  # e.g. "smart_tv", "999", "70%"
    rows_affected: int | None = None
    rows_total: int | None = None
    examples: tuple[ValueCount, ...] = ()
    baseline_ds: str | None = None  # the ds a drift finding compares with

    def to_json(self) -> dict[str, Any]:
        return {"expected": self.expected, "observed": self.observed,
                "rows_affected": self.rows_affected, "rows_total": self.rows_total,
                "examples": [e.to_json() for e in self.examples], "baseline_ds": self.baseline_ds}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Detail:
        def _int(key: str) -> int | None:
            value = data.get(key)
            return None if value is None else int(value)
        return cls(expected=str(data.get("expected") or ""), observed=str(data.get("observed") or ""),
                   rows_affected=_int("rows_affected"), rows_total=_int("rows_total"),
                   examples=tuple(ValueCount.from_json(e) for e in data.get("examples") or ()),
                   baseline_ds=data.get("baseline_ds"))


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
    detail: Detail | None = None

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
        data["detail"] = self.detail.to_json() if self.detail else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """Read back a finding stored in run.json (records older than waivers have no 'waiver')."""
        waiver = data.get("waiver")
        detail = data.get("detail")
        return cls(feature=str(data.get("feature", "")), anomaly_type=str(data.get("anomaly_type", "")),
                   severity=Severity(data["severity"]),
                   short_description=str(data.get("short_description", "")),
                   description=str(data.get("description", "")),
                   value=data.get("value"), threshold=data.get("threshold"),
                   waiver=AppliedWaiver.from_json(waiver) if waiver else None,
                   detail=Detail.from_json(detail) if detail else None)


@dataclasses.dataclass(frozen=True)
class Measurement:
    """A drift (against the baseline) or skew (against the reference) distance."""

    feature: str
    comparison: str  # "drift" or "skew"
    kind: str  # L_INFTY, JENSEN_SHANNON_DIVERGENCE, NORMALIZED_ABSOLUTE_DIFFERENCE
    value: float
    threshold: float

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measurement:
        return cls(feature=str(data.get("feature", "")), comparison=str(data.get("comparison", "")),
                   kind=str(data.get("kind", "")), value=float(data.get("value") or 0.0),
                   threshold=float(data.get("threshold") or 0.0))


def worst_first(findings: Iterable[Finding], *, include_ignored: bool = False) -> list[Finding]:
    """The findings that are shown (not ignored, unless asked), worst first, then by feature and
    type: the one order of every output (terminal, Slack, report, history)."""
    shown = [f for f in findings if include_ignored or f.severity is not Severity.IGNORE]
    return sorted(shown, key=lambda f: (-f.severity.rank, f.feature, f.anomaly_type))


@dataclasses.dataclass(frozen=True)
class SeverityCounts:
    """How many findings of each severity; `anomalies` counts the shown ones (not ignored)."""

    errors: int = 0
    warnings: int = 0
    ignored: int = 0

    @property
    def anomalies(self) -> int:
        return self.errors + self.warnings

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> SeverityCounts:
        severities = [f.severity for f in findings]
        return cls(errors=severities.count(Severity.ERROR),
                   warnings=severities.count(Severity.WARNING),
                   ignored=severities.count(Severity.IGNORE))


def outcome_of(findings: Iterable[Finding]) -> Outcome:
    """The highest severity decides: any error blocks, a warning warns; ignored ones don't count."""
    worst = max((f.severity for f in findings if f.severity is not Severity.IGNORE),
                key=lambda s: s.rank, default=None)
    return Outcome.from_severity(worst)
