from __future__ import annotations

from validator.config.job import SeverityConfig, SeverityRule
from validator.core.outcome import Outcome, Severity
from validator.core.policy import severity_for

E, W, IGN = Severity.ERROR, Severity.WARNING, Severity.IGNORE


def test_most_specific_rule_wins() -> None:
    config = SeverityConfig(default=E, rules=[
        SeverityRule(anomaly="SCHEMA_NEW_COLUMN", severity=IGN),
        SeverityRule(feature="device", severity=W),
        SeverityRule(feature="device", anomaly="SCHEMA_NEW_COLUMN", severity=E),
    ])
    assert severity_for(config, "device", "SCHEMA_NEW_COLUMN") is E  # feature + anomaly
    assert severity_for(config, "device", "INT_TYPE_BIG_INT") is W  # feature
    assert severity_for(config, "age", "SCHEMA_NEW_COLUMN") is IGN  # anomaly
    assert severity_for(config, "age", "INT_TYPE_BIG_INT") is E  # default


def test_without_rules_tfdv_severity_applies_and_unknown_fails_closed() -> None:
    config = SeverityConfig()
    assert severity_for(config, "x", "T", tfdv_severity=1) is W  # TFDV WARNING
    assert severity_for(config, "x", "T", tfdv_severity=2) is E  # TFDV ERROR
    assert severity_for(config, "x", "T", tfdv_severity=0) is E  # UNKNOWN: fail closed


def test_outcomes_map_to_documented_exit_codes() -> None:
    assert Outcome.from_severity(None) is Outcome.PASS
    assert Outcome.from_severity(W) is Outcome.WARN
    assert Outcome.from_severity(E) is Outcome.BLOCK
    # Issue 13 adds not_ready (exit 3): late data, never a pass.
    assert [o.exit_code for o in Outcome] == [0, 0, 1, 2, 3]
    assert [o.is_passing for o in Outcome] == [True, True, False, False, False]
