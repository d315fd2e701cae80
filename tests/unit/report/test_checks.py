"""The checks section's rows (report/checks.py), the band on trend charts (report/svg.py) and
the /reports/ index with outcomes (report/page.py), from values built in memory."""

from __future__ import annotations

import html.parser
import math

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.core.bands import Band
from validator.core.monitors import MonitorResult
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.report.checks import Check, build_checks
from validator.report.page import render_index
from validator.report.sections import percentile_bounds, value_text
from validator.report.svg import BandPoint, trend_chart
from validator.stats.view import DatasetSummary, FeatureSummary

SCHEMA = text_format.Parse("""
feature { name: "age" type: INT int_domain { min: 13 max: 120 } presence { min_fraction: 0.9 } }
feature { name: "device" type: BYTES domain: "device" presence { min_fraction: 1.0 }
          drift_comparator { infinity_norm { threshold: 0.1 } } }
string_domain { name: "device" value: "desktop" value: "mobile" }
dataset_constraints { min_examples_count: 100
                      num_examples_drift_comparator { min_fraction_threshold: 0.5 } }
""", schema_pb2.Schema())
SUMMARY = DatasetSummary(1000, {
    "age": FeatureSummary("age", "INT", 0.05, minimum=3, mean=40, maximum=99, present=950),
    "device": FeatureSummary("device", "STRING", 0.0, unique=3, present=1000,
                             top_values=(("mobile", 0.6), ("desktop", 0.35), ("smart_tv", 0.05)))})
FINDING = {"feature": "age", "anomaly_type": "INT_TYPE_SMALL_INT", "severity": "error",
           "short_description": "Out-of-range values", "description": "min 3 < 13"}


def _record(**kw: object) -> RunRecord:
    base: dict[str, object] = {"run_id": "r1", "job": "j", "ds": "2026-11-06",
                               "started_at": "2026-11-06T06:00:00+00:00",
                               "outcome": Outcome.BLOCK, "rows": 1000}
    return RunRecord(**{**base, **kw})  # type: ignore[arg-type]


def _checks(record: RunRecord, summary: DatasetSummary | None = SUMMARY) -> dict[tuple[str, str], Check]:
    rows = build_checks(SCHEMA, record, summary, lambda _, v: "–" if v is None else f"{v:g}")
    return {(c.subject, c.constraint): c for c in rows}


def test_each_constraint_has_expected_observed_and_the_findings_verdict() -> None:
    record = _record(findings=[FINDING], baseline_run_id="r0", baseline_ds="2026-11-05",
                     measurements=[{"feature": "device", "comparison": "drift", "kind": "L_INFTY",
                                    "value": 0.04, "threshold": 0.1}])
    checks = _checks(record)
    age = checks[("age", "range")]
    assert (age.expected, age.observed, age.status, age.severity) == \
        ("[13, 120] (int_domain)", "[3, 99]", "fail", "error")
    assert checks[("age", "presence")] == Check("age", "presence", "in at least 90% of rows",
                                                "95.0% of rows (950)", "pass")
    # No finding about the domain: it passes, even though the top values show smart_tv (the
    # verdict is the run's, not the report's); the observed values still say what was seen.
    domain = checks[("device", "domain")]
    assert domain.status == "pass" and "smart_tv 5.0%" in domain.observed
    assert checks[("device", "type")].observed == "BYTES"
    drift = checks[("device", "drift")]
    assert drift.expected == "L-infinity distance ≤ 0.1 vs baseline ds=2026-11-05"
    assert (drift.observed, drift.status) == ("0.04", "pass")
    assert checks[("(dataset)", "rows")].expected == "at least 100 rows"
    assert "at least 0.5× the baseline's rows (baseline ds=2026-11-05)" == \
        checks[("(dataset)", "rows vs baseline")].expected


def test_without_a_baseline_drift_says_so_and_an_unevaluated_run_judges_nothing() -> None:
    checks = _checks(_record(outcome=Outcome.PASS))
    assert checks[("device", "drift")].status == "no baseline"
    assert checks[("(dataset)", "rows vs baseline")].status == "no baseline"
    unevaluated = _checks(_record(outcome=Outcome.NOT_EVALUATED, error="unreadable"), None)
    assert {c.status for c in unevaluated.values()} == {"not evaluated"}


def test_a_waived_or_ignored_finding_fails_its_check_with_that_severity() -> None:
    waived = {**FINDING, "severity": "warning",
              "waiver": {"until": "2026-12-31", "owner": "o", "reason": "r", "expired": False,
                         "waived_severity": "error"}}
    assert _checks(_record(findings=[waived]))[("age", "range")].severity == "warning (waived)"
    ignored = {**FINDING, "severity": "ignore"}
    assert _checks(_record(findings=[ignored]))[("age", "range")].severity == \
        "ignore (not reported)"


def test_monitors_show_their_band_or_why_there_is_none() -> None:
    band = Band(lower=890, upper=1090, center=990, points=8, basis="the last 8 Wednesdays",
                seasonality="day_of_week")
    fired = MonitorResult("volume", "(dataset)", "rows", "fired", "551 rows; expected 890-1,090",
                          observed=551, band=band, anomaly_type="VOLUME_LOW")
    learning = MonitorResult("metric:age:mean", "age", "mean", "learning",
                             "mean of age 40; learning: 3 of 14 usable earlier runs")
    record = _record(monitors=[fired.to_json(), learning.to_json()],
                     findings=[{"feature": "(dataset)", "anomaly_type": "VOLUME_LOW",
                                "severity": "error", "short_description": "low",
                                "description": "low"}])
    checks = _checks(record)
    volume = checks[("(dataset)", "monitor volume")]
    assert (volume.expected, volume.observed, volume.status, volume.severity) == \
        ("890-1,090 from the last 8 Wednesdays", "551", "fail", "error")
    metric = checks[("age", "monitor metric:age:mean")]
    assert metric.status == "learning" and "3 of 14" in metric.expected


def test_quantile_labels_and_dates() -> None:
    deciles = [float(v) for v in range(11)]
    assert [label for label, _ in percentile_bounds(deciles)] == \
        ["min"] + [f"p{10 * i}" for i in range(1, 10)] + ["max"]
    fine = [float(v) for v in range(101)]
    assert [label for label, _ in percentile_bounds(fine)] == \
        ["min", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max"]
    assert value_text(True, 1_793_923_200) == "2026-11-06"
    assert value_text(True, 42) == "42" and value_text(False, 1_793_923_200) == "1,793,923,200"


class _Shapes(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_the_band_is_a_polygon_per_run_of_days_and_flagged_days_are_ringed() -> None:
    points = [(f"2026-11-{d:02d}", 1000.0 if d != 4 else 400.0, "pass") for d in range(1, 7)]
    band = [BandPoint("2026-11-02", 900, 1100, False), BandPoint("2026-11-03", 900, math.inf, False),
            BandPoint("2026-11-04", 900, 1100, True), BandPoint("2026-11-06", 910, 1090, False)]
    shapes = _Shapes()
    shapes.feed(trend_chart("rows", "2026-11-06", 30, points, band=band))
    polygons = [a for tag, a in shapes.found if tag == "polygon"]
    # 11-02..04 are consecutive (one polygon, 3 points each edge); 11-06 alone is a short bar.
    assert [len((a["points"] or "").split()) for a in polygons] == [6, 4]
    assert all(a["class"] == "band" for a in polygons)
    ys = [float(p.split(",")[1]) for p in (polygons[0]["points"] or "").split()]
    assert min(ys) >= 28  # the open upper edge on 11-03 is clipped to the plot, not infinite
    rings = [a for tag, a in shapes.found if tag == "circle" and a.get("class") == "flagged"]
    assert [a["data-ds"] for a in rings] == ["2026-11-04"]


def test_the_index_lists_each_days_outcomes_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    page = render_index([("2026-11-06", {"a": Outcome.PASS, hostile: Outcome.BLOCK}),
                         ("2026-11-05", {"a": Outcome.NOT_READY})], lambda d: f"/reports/{d}")
    shapes = _Shapes()
    shapes.feed(page)
    assert not [tag for tag, _ in shapes.found if tag in ("img", "script")]
    outcomes = [a["data-outcome"] for tag, a in shapes.found if "data-outcome" in a]
    assert outcomes == ["block", "pass", "not_ready"]
    assert "1 BLOCK" in page and "1 NOT READY" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;: block" in page
