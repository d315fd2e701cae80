"""Waivers: a blocking anomaly becomes a warning while the waiver is active, an expired waiver
changes nothing and is shown as expired, and a waiver lacking owner, reason or end date is a
config error naming file, line and field."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.cli.render import waiver_lines
from validator.config.job import SeverityConfig, Waiver, load_job
from validator.core.findings import Finding
from validator.core.outcome import Outcome, Severity
from validator.core.waivers import apply_waivers, reference_date
from validator.errors import ConfigError
from validator.validation.validate import Context, validate

SCHEMA = text_format.Parse("""
feature { name: "age" type: INT int_domain { min: 0 max: 120 }
          presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
""", schema_pb2.Schema())

# Ages from -1 to 999: both INT_TYPE_SMALL_INT and INT_TYPE_BIG_INT.
STATS = text_format.Parse("""
datasets {
  num_examples: 10
  features { path { step: "age" } type: INT
    num_stats { common_stats { num_non_missing: 10 min_num_values: 1 max_num_values: 1
                               avg_num_values: 1 tot_num_values: 10 }
                min: -1 max: 999 mean: 40 } }
}""", statistics_pb2.DatasetFeatureStatisticsList())

DS = dt.date(2026, 11, 8)


def _waiver(anomaly: str, until: str) -> Waiver:
    return Waiver(feature="age", anomaly=anomaly, until=dt.date.fromisoformat(until),
                  owner="ml-growth", reason="upstream fix JIRA-1")


def _summary(findings: tuple[Finding, ...]) -> list[tuple[str, str, str, str | None]]:
    return sorted((f.feature, f.anomaly_type, f.severity.value,
                   None if f.waiver is None else ("expired" if f.waiver.expired else "active"))
                  for f in findings)


def test_without_waivers_both_anomalies_block() -> None:
    verdict = validate(STATS, SCHEMA, SeverityConfig(), context=Context(as_of=DS))
    assert verdict.outcome is Outcome.BLOCK
    assert _summary(verdict.findings) == [("age", "INT_TYPE_BIG_INT", "error", None),
                                          ("age", "INT_TYPE_SMALL_INT", "error", None)]


def test_active_waivers_turn_blocking_anomalies_into_warnings() -> None:
    waivers = [_waiver("INT_TYPE_SMALL_INT", "2026-11-08"), _waiver("INT_TYPE_BIG_INT", "2026-12-31")]
    verdict = validate(STATS, SCHEMA, SeverityConfig(), context=Context(waivers=waivers, as_of=DS))
    assert verdict.outcome is Outcome.WARN
    assert _summary(verdict.findings) == [("age", "INT_TYPE_BIG_INT", "warning", "active"),
                                          ("age", "INT_TYPE_SMALL_INT", "warning", "active")]
    waiver = next(f.waiver for f in verdict.findings if f.anomaly_type == "INT_TYPE_BIG_INT")
    assert waiver is not None and waiver.waived_severity is Severity.ERROR
    assert waiver.owner == "ml-growth" and waiver.until == "2026-12-31"


def test_expired_waiver_does_nothing_and_is_shown_expired() -> None:
    waivers = [_waiver("INT_TYPE_SMALL_INT", "2026-11-07"), _waiver("INT_TYPE_BIG_INT", "2026-12-31")]
    verdict = validate(STATS, SCHEMA, SeverityConfig(), context=Context(waivers=waivers, as_of=DS))
    assert verdict.outcome is Outcome.BLOCK
    assert _summary(verdict.findings) == [("age", "INT_TYPE_BIG_INT", "warning", "active"),
                                          ("age", "INT_TYPE_SMALL_INT", "error", "expired")]
    lines = sorted(waiver_lines([f.to_json() for f in verdict.findings]))
    assert lines == [
        "expired waiver: age INT_TYPE_SMALL_INT (ended 2026-11-07, owner ml-growth); "
        "it counts as error again",
        "waived: age INT_TYPE_BIG_INT until 2026-12-31 by ml-growth: upstream fix JIRA-1",
    ]


def test_waivers_never_touch_warnings_or_other_features() -> None:
    warning = Finding("device", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", Severity.WARNING, "s", "d")
    other = Finding("country", "INT_TYPE_SMALL_INT", Severity.ERROR, "s", "d")
    waivers = [Waiver(feature="device", anomaly="ENUM_TYPE_UNEXPECTED_STRING_VALUES",
                      until=dt.date(2099, 1, 1), owner="o", reason="r"),
               _waiver("INT_TYPE_SMALL_INT", "2099-01-01")]
    assert apply_waivers([warning, other], waivers, DS) == (warning, other)


def test_reapplying_uses_the_current_waivers_only() -> None:
    """A finding read back from run.json carries its old waiver; revoking it blocks again."""
    waived = apply_waivers([Finding("age", "INT_TYPE_BIG_INT", Severity.ERROR, "s", "d")],
                           [_waiver("INT_TYPE_BIG_INT", "2099-01-01")], DS)
    stored = Finding.from_json(waived[0].to_json())
    assert stored == waived[0]
    (revoked,) = apply_waivers([stored], [], DS)
    assert (revoked.severity, revoked.waiver) == (Severity.ERROR, None)


def test_reference_date_is_the_ds_else_today() -> None:
    assert reference_date("2026-11-08") == DS
    assert reference_date(None, today=dt.date(2030, 1, 2)) == dt.date(2030, 1, 2)


BASE_JOB = """name: j
schema: s.pbtxt
source: {kind: local, path: x}
waivers:
  - feature: age
    anomaly: INT_TYPE_SMALL_INT
"""


@pytest.mark.parametrize(("extra", "line", "field", "message"), [
    ("    until: 2026-12-31\n    owner: me\n", 5, "waivers[0].reason", "required field is missing"),
    ("    until: 2026-12-31\n    reason: r\n", 5, "waivers[0].owner", "required field is missing"),
    ("    owner: me\n    reason: r\n", 5, "waivers[0].until", "required field is missing"),
    ("    until: 2026-12-31\n    owner: ''\n    reason: r\n", 8, "waivers[0].owner", "at least 1"),
    ("    until: next week\n    owner: me\n    reason: r\n", 7, "waivers[0].until", "date"),
])
def test_incomplete_waiver_is_a_config_error(tmp_path: pathlib.Path, extra: str, line: int, field: str,
                                             message: str) -> None:
    file = tmp_path / "j.yaml"
    file.write_text(BASE_JOB + extra)
    with pytest.raises(ConfigError) as err:
        load_job(file)
    assert (err.value.file, err.value.line, err.value.field) == (str(file), line, field)
    assert message in err.value.reason


def test_two_waivers_for_one_anomaly_are_a_config_error(tmp_path: pathlib.Path) -> None:
    file = tmp_path / "j.yaml"
    one = "  - {feature: age, anomaly: INT_TYPE_SMALL_INT, until: 2026-12-31, owner: o, reason: r}\n"
    file.write_text(BASE_JOB.split("  - feature")[0] + one + one)
    with pytest.raises(ConfigError, match="two waivers for feature 'age'"):
        load_job(file)
