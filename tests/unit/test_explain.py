"""Observed vs expected per finding (validation/explain.py), on inline text-proto goldens:
statistics + schema (+ baseline) -> validate -> Finding.detail, and the sentence every output
shows (core/finding_text.py)."""

from __future__ import annotations

import dataclasses

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.config.job import SeverityConfig
from validator.core.finding_text import sentence
from validator.core.findings import Detail, Finding, ValueCount
from validator.stats.accumulate import INVALID_COUNT, INVALID_EXAMPLES, INVALID_EXPECTED
from validator.validation.validate import Context, validate

SCHEMA = text_format.Parse("""
feature { name: "age" type: INT int_domain { min: 13 max: 120 }
          presence { min_fraction: 0.9 } shape { dim { size: 1 } } }
feature { name: "device" type: BYTES domain: "device"
          presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "country" type: BYTES domain: "country"
          presence { min_fraction: 1.0 } shape { dim { size: 1 } }
          drift_comparator { infinity_norm { threshold: 0.1 } } }
feature { name: "cart_value" type: FLOAT presence { min_fraction: 0.0 } }
string_domain { name: "device" value: "mobile" value: "desktop" value: "tablet" }
string_domain { name: "country" value: "DE" value: "US" }
""", schema_pb2.Schema())


def _cat(name: str, values: list[tuple[str, int]], n: int) -> str:
    buckets = "".join(f'buckets {{ low_rank: {i} high_rank: {i} label: "{v}" sample_count: {c} }}'
                      for i, (v, c) in enumerate(values))
    tops = "".join(f'top_values {{ value: "{v}" frequency: {c} }}' for v, c in values)
    present = sum(c for _, c in values)
    return f"""features {{ path {{ step: "{name}" }} type: STRING
    string_stats {{ common_stats {{ num_non_missing: {present} num_missing: {n - present}
                                   min_num_values: 1 max_num_values: 1 avg_num_values: 1
                                   tot_num_values: {present} }}
                   unique: {len(values)} {tops} rank_histogram {{ {buckets} }} }} }}"""


def _stats(*, n: int = 1000, age: tuple[float, float] = (18, 90), age_present: int = 1000,
           device: list[tuple[str, int]] | None = None, us: int = 600,
           invalid: str = "") -> statistics_pb2.DatasetFeatureStatisticsList:
    device = device or [("mobile", 700), ("desktop", 300)]
    return text_format.Parse(f"""
datasets {{
  num_examples: {n}
  features {{ path {{ step: "age" }} type: INT
    num_stats {{ common_stats {{ num_non_missing: {age_present} num_missing: {n - age_present}
                                min_num_values: 1 max_num_values: 1 avg_num_values: 1
                                tot_num_values: {age_present} }}
                min: {age[0]} max: {age[1]} mean: 40 }} }}
  {_cat("device", device, n)}
  {_cat("country", [("US", us), ("DE", n - us)], n)}
  {invalid}
}}""", statistics_pb2.DatasetFeatureStatisticsList())


def _finding(stats: statistics_pb2.DatasetFeatureStatisticsList, anomaly: str,
             schema: schema_pb2.Schema = SCHEMA, **kw: object) -> Finding:
    verdict = validate(stats, schema, SeverityConfig(), **kw)  # type: ignore[arg-type]
    found = [f for f in verdict.findings if f.anomaly_type == anomaly]
    assert len(found) == 1, [(f.feature, f.anomaly_type) for f in verdict.findings]
    return found[0]


def test_unexpected_string_values_name_the_domain_and_count_the_rows() -> None:
    stats = _stats(device=[("mobile", 600), ("desktop", 280), ("smart_tv", 100), ("tv", 20)])
    finding = _finding(stats, "ENUM_TYPE_UNEXPECTED_STRING_VALUES")
    assert finding.detail == Detail(
        expected="one of desktop, mobile, tablet (schema domain)",
        observed="2 values not in the domain", rows_affected=120, rows_total=1000,
        examples=(ValueCount("smart_tv", 100), ValueCount("tv", 20)))
    assert sentence(finding) == (
        "Unexpected string values: observed 2 values not in the domain; expected one of desktop, "
        "mobile, tablet (schema domain); affected 120 of 1,000 rows (12%); examples smart_tv (100), "
        "tv (20)")


def test_out_of_range_names_the_schema_bound() -> None:
    big = _finding(_stats(age=(18, 999)), "INT_TYPE_BIG_INT")
    assert (big.detail.observed, big.detail.expected) == ("max 999", "<= 120 (schema max)")  # type: ignore[union-attr]
    assert big.detail.rows_affected is None  # a max does not say how many rows: unknown, not 0  # type: ignore[union-attr]
    small = _finding(_stats(age=(-1, 90)), "INT_TYPE_SMALL_INT")
    assert (small.detail.observed, small.detail.expected) == ("min -1", ">= 13 (schema min)")  # type: ignore[union-attr]
    assert "rows" not in sentence(small)


def test_low_presence_gives_the_present_share_and_the_missing_rows() -> None:
    finding = _finding(_stats(age_present=800), "FEATURE_TYPE_LOW_FRACTION_PRESENT")
    assert finding.detail == Detail(expected="present in at least 90% of rows (schema presence)",
                                    observed="present in 80% of rows", rows_affected=200,
                                    rows_total=1000)


def test_values_of_the_wrong_type_carry_their_examples() -> None:
    invalid = f"""features {{ path {{ step: "cart_value" }} type: FLOAT
        num_stats {{ common_stats {{ num_non_missing: 993 num_missing: 7 min_num_values: 1
                                    max_num_values: 1 avg_num_values: 1 tot_num_values: 993 }}
                    min: 0 max: 90 mean: 40 }}
        custom_stats {{ name: "{INVALID_COUNT}" num: 7 }}
        custom_stats {{ name: "{INVALID_EXPECTED}" str: "FLOAT" }}
        custom_stats {{ name: "{INVALID_EXAMPLES}" str: "'$12.50', 'n/a, really'" }} }}"""
    finding = _finding(_stats(invalid=invalid), "UNEXPECTED_DATA_TYPE")
    assert finding.detail == Detail(expected="values of type FLOAT",
                                    observed="7 values do not parse as FLOAT", rows_affected=7,
                                    rows_total=1000,
                                    examples=(ValueCount("$12.50"), ValueCount("n/a, really")))


def test_drift_compares_the_value_that_moved_most_with_the_baseline_ds() -> None:
    finding = _finding(_stats(us=700), "COMPARATOR_L_INFTY_HIGH", baseline=_stats(us=410),
                       context=Context(baseline_ds="2026-11-06"))
    assert finding.detail == Detail(
        observed="US 70% of rows (L-infinity distance 0.29)",
        expected="US 41% as in the baseline ds=2026-11-06 (L-infinity distance <= 0.1)",
        baseline_ds="2026-11-06")
    # The baseline ds is named once, in the expected part.
    assert sentence(finding).count("2026-11-06") == 1


def test_skew_compares_with_the_reference() -> None:
    schema = schema_pb2.Schema()
    schema.CopyFrom(SCHEMA)
    country = next(f for f in schema.feature if f.name == "country")
    country.ClearField("drift_comparator")
    country.skew_comparator.infinity_norm.threshold = 0.1
    finding = _finding(_stats(us=600), "COMPARATOR_L_INFTY_HIGH", schema,
                       reference=_stats(us=300), context=Context(baseline_ds="2026-11-06"))
    assert finding.detail is not None and finding.detail.baseline_ds is None
    assert finding.detail.expected == "US 30% as in the skew reference (L-infinity distance <= 0.1)"
    assert finding.detail.observed.startswith("US 60% of rows")


def test_no_rows_and_the_example_count_bounds() -> None:
    empty = statistics_pb2.DatasetFeatureStatisticsList()
    empty.datasets.add(num_examples=0)
    (finding,) = validate(empty, SCHEMA, SeverityConfig()).findings
    assert finding.detail == Detail(expected="at least 1 row", observed="0 rows", rows_total=0)
    schema = schema_pb2.Schema()
    schema.CopyFrom(SCHEMA)
    schema.dataset_constraints.min_examples_count = 5000
    verdict = validate(_stats(), schema, SeverityConfig())
    (low,) = [f for f in verdict.findings if f.anomaly_type == "DATASET_LOW_NUM_EXAMPLES"]
    assert low.detail == Detail(expected="at least 5,000 rows (schema)", observed="1,000 rows")


def test_a_clean_day_has_no_findings_to_explain() -> None:
    assert validate(_stats(), SCHEMA, SeverityConfig()).findings == ()


def test_a_monitor_finding_says_the_value_and_its_band() -> None:
    from validator.core.bands import Band
    from validator.core.monitors import MonitorResult, detail_of

    band = Band(lower=890.0, upper=1090.0, center=990.0, points=8, basis="the last 8 Wednesdays",
                seasonality="day_of_week")
    fired = MonitorResult(key="volume", feature="(dataset)", metric="rows", status="fired",
                          message="", observed=420.0, band=band, anomaly_type="VOLUME_LOW")
    assert detail_of(fired) == Detail(observed="420 rows",
                                      expected="890-1,090 from the last 8 Wednesdays")
    column = dataclasses.replace(fired, feature="age", metric="mean", observed=51.5,
                                 anomaly_type="METRIC_OUT_OF_BAND")
    assert detail_of(column) == Detail(observed="mean 51.5",
                                       expected="890-1,090 from the last 8 Wednesdays")
