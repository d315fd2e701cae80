"""Severity is data: the job's severity rules and waivers (typed models, parsed from the job
file by config/), and the rule that maps (feature, anomaly type) to a severity. Pure."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from validator.core.outcome import Severity


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityRule(StrictModel):
    """Severity for anomalies matching a feature and/or an anomaly type ('*' matches any)."""

    feature: str = "*"
    anomaly: str = "*"
    severity: Severity

    @field_validator("anomaly")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value != "*" and not re.fullmatch(r"[A-Z][A-Z0-9_]+", value):
            raise ValueError(f"'{value}' is not an anomaly type name; use a TFDV type such as "
                             "ENUM_TYPE_UNEXPECTED_STRING_VALUES, or '*'")
        return value


class SeverityConfig(StrictModel):
    """Severity is data: the most specific matching rule decides (feature+anomaly,
    then feature, then anomaly), then `default`, then TFDV's own severity."""

    default: Severity | None = None
    rules: list[SeverityRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> SeverityConfig:
        seen: set[tuple[str, str]] = set()
        for rule in self.rules:
            key = (rule.feature, rule.anomaly)
            if key in seen:
                raise ValueError(f"two rules for feature '{rule.feature}' and anomaly "
                                 f"'{rule.anomaly}'; keep one")
            seen.add(key)
        return self


class Waiver(StrictModel):
    """A time-boxed exception: while active, this anomaly on this feature warns instead of
    blocking (validator/core/waivers.py). Owner, reason and end date are required."""

    feature: str = Field(min_length=1)
    anomaly: str = Field(pattern=r"^[A-Z][A-Z0-9_]+$")
    until: dt.date
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)



# TFDV's AnomalyInfo.Severity values
_TFDV_SEVERITY = {0: Severity.ERROR, 1: Severity.WARNING, 2: Severity.ERROR}


def severity_for(config: SeverityConfig, feature: str, anomaly_type: str,
                 tfdv_severity: int = 2) -> Severity:
    """Most specific rule wins: feature+anomaly, then feature, then anomaly; then the job's
    default; then TFDV's own severity (UNKNOWN counts as error: fail closed)."""
    best: tuple[int, Severity] | None = None
    for rule in config.rules:
        feature_match = rule.feature in (feature, "*")
        anomaly_match = rule.anomaly in (anomaly_type, "*")
        if not (feature_match and anomaly_match):
            continue
        score = (2 if rule.feature != "*" else 0) + (1 if rule.anomaly != "*" else 0)
        if best is None or score > best[0]:
            best = (score, rule.severity)
    if best is not None:
        return best[1]
    if config.default is not None:
        return config.default
    return _TFDV_SEVERITY.get(tfdv_severity, Severity.ERROR)
