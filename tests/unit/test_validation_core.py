"""The pure core, on inline text-proto goldens: statistics + schema + policy -> verdict."""

from __future__ import annotations

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.config.job import SeverityConfig, SeverityRule
from validator.core.outcome import Outcome, Severity
from validator.stats.accumulate import INVALID_COUNT, INVALID_EXAMPLES, INVALID_EXPECTED
from validator.validation.validate import DATASET, validate

SCHEMA = text_format.Parse("""
feature { name: "age" type: INT int_domain { min: 0 max: 120 }
          presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
feature { name: "country" type: BYTES domain: "country"
          presence { min_fraction: 1.0 } shape { dim { size: 1 } }
          drift_comparator { infinity_norm { threshold: 0.1 } } }
string_domain { name: "country" value: "DE" value: "US" }
""", schema_pb2.Schema())


def _stats(age_min: float, us: int, de: int, extra_country: tuple[str, int] | None = None,
           n: int = 100) -> statistics_pb2.DatasetFeatureStatisticsList:
    values = [("US", us), ("DE", de)] + ([extra_country] if extra_country else [])
    buckets = "".join(
        f'buckets {{ low_rank: {i} high_rank: {i} label: "{v}" sample_count: {c} }}'
        for i, (v, c) in enumerate(values))
    tops = "".join(f'top_values {{ value: "{v}" frequency: {c} }}' for v, c in values)
    return text_format.Parse(f"""
datasets {{
  num_examples: {n}
  features {{ path {{ step: "age" }} type: INT
    num_stats {{ common_stats {{ num_non_missing: {n} min_num_values: 1 max_num_values: 1
                                avg_num_values: 1 tot_num_values: {n} }}
                min: {age_min} max: 90 mean: 40 }} }}
  features {{ path {{ step: "country" }} type: STRING
    string_stats {{ common_stats {{ num_non_missing: {n} min_num_values: 1 max_num_values: 1
                                   avg_num_values: 1 tot_num_values: {n} }}
                   unique: {len(values)} {tops}
                   rank_histogram {{ {buckets} }} }} }}
}}""", statistics_pb2.DatasetFeatureStatisticsList())


NO_RULES = SeverityConfig()


def test_clean_statistics_pass() -> None:
    verdict = validate(_stats(18, 60, 40), SCHEMA, NO_RULES)
    assert verdict.outcome is Outcome.PASS
    assert verdict.findings == ()


def test_out_of_range_blocks_with_tfdv_anomaly_type() -> None:
    verdict = validate(_stats(-1, 60, 40), SCHEMA, NO_RULES)
    assert verdict.outcome is Outcome.BLOCK
    assert [(f.feature, f.anomaly_type, f.severity) for f in verdict.findings] == [
        ("age", "INT_TYPE_SMALL_INT", Severity.ERROR)]
    assert "age" in verdict.anomalies.anomaly_info


def test_severity_policy_downgrades_and_ignores() -> None:
    warn = SeverityConfig(rules=[SeverityRule(feature="age", severity=Severity.WARNING)])
    assert validate(_stats(-1, 60, 40), SCHEMA, warn).outcome is Outcome.WARN
    ignore = SeverityConfig(rules=[SeverityRule(anomaly="INT_TYPE_SMALL_INT", severity=Severity.IGNORE)])
    verdict = validate(_stats(-1, 60, 40), SCHEMA, ignore)
    assert verdict.outcome is Outcome.PASS
    assert verdict.reported == ()  # recorded, not reported
    assert len(verdict.findings) == 1


def test_highest_severity_decides() -> None:
    policy = SeverityConfig(rules=[
        SeverityRule(feature="country", severity=Severity.WARNING),
        SeverityRule(feature="age", severity=Severity.ERROR)])
    verdict = validate(_stats(-1, 60, 30, extra_country=("FR", 10)), SCHEMA, policy)
    assert {f.severity for f in verdict.findings} == {Severity.WARNING, Severity.ERROR}
    assert verdict.outcome is Outcome.BLOCK
    assert verdict.reported[0].severity is Severity.ERROR  # worst first


def test_drift_against_baseline_is_measured() -> None:
    baseline = _stats(18, 60, 40)
    drifted = _stats(18, 90, 10)
    verdict = validate(drifted, SCHEMA, NO_RULES, baseline=baseline)
    assert verdict.outcome is Outcome.BLOCK
    finding = verdict.findings[0]
    assert (finding.feature, finding.anomaly_type) == ("country", "COMPARATOR_L_INFTY_HIGH")
    assert finding.value is not None and abs(finding.value - 0.3) < 1e-9
    assert finding.threshold is not None and abs(finding.threshold - 0.1) < 1e-9
    # Without a baseline there is nothing to drift from.
    assert validate(drifted, SCHEMA, NO_RULES).outcome is Outcome.PASS
    # Small moves stay under the threshold and are still measured.
    calm = validate(_stats(18, 65, 35), SCHEMA, NO_RULES, baseline=baseline)
    assert calm.outcome is Outcome.PASS
    assert [(m.feature, m.kind) for m in calm.measurements] == [("country", "L_INFTY")]


def test_no_rows_blocks() -> None:
    empty = statistics_pb2.DatasetFeatureStatisticsList()
    empty.datasets.add(num_examples=0)
    verdict = validate(empty, SCHEMA, NO_RULES)
    assert verdict.outcome is Outcome.BLOCK
    assert [(f.feature, f.anomaly_type) for f in verdict.findings] == [
        (DATASET, "DATASET_LOW_NUM_EXAMPLES")]
    assert "no rows" in verdict.findings[0].description
    # Neither policy nor a catch-all rule can let an empty partition through.
    rule = SeverityRule(anomaly="DATASET_LOW_NUM_EXAMPLES", severity=Severity.IGNORE)
    lenient = SeverityConfig(default=Severity.IGNORE, rules=[rule])
    assert validate(empty, SCHEMA, lenient).outcome is Outcome.BLOCK


def test_unparseable_values_become_unexpected_data_type() -> None:
    stats = _stats(18, 60, 40)
    age = stats.datasets[0].features[0]
    age.custom_stats.add(name=INVALID_COUNT, num=3)
    age.custom_stats.add(name=INVALID_EXPECTED, str="INT")
    age.custom_stats.add(name=INVALID_EXAMPLES, str="'n/a', 'unknown'")
    verdict = validate(stats, SCHEMA, NO_RULES)
    assert verdict.outcome is Outcome.BLOCK
    (finding,) = verdict.findings
    assert finding.anomaly_type == "UNEXPECTED_DATA_TYPE"
    assert finding.description == "3 value(s) do not parse as INT, e.g. 'n/a', 'unknown'."


def test_drift_and_skew_on_one_feature_carry_their_own_measurements() -> None:
    schema = schema_pb2.Schema()
    schema.CopyFrom(SCHEMA)
    country = next(f for f in schema.feature if f.name == "country")
    country.skew_comparator.infinity_norm.threshold = 0.1
    verdict = validate(_stats(18, 90, 10), schema, NO_RULES,
                       baseline=_stats(18, 60, 40), reference=_stats(18, 50, 50))
    found = [f for f in verdict.findings if f.anomaly_type == "COMPARATOR_L_INFTY_HIGH"]
    assert len(found) == 2
    drift = next(f for f in found if "previous" in f.description)
    skew = next(f for f in found if "previous" not in f.description)
    assert drift.value is not None and abs(drift.value - 0.3) < 1e-9
    assert skew.value is not None and abs(skew.value - 0.4) < 1e-9
