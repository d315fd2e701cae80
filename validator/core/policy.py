"""Severity is data: map (feature, anomaly type) to a severity using the job's rules."""

from __future__ import annotations

from validator.config.job import SeverityConfig
from validator.core.outcome import Severity

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
