"""Observed vs expected for each finding (`Finding.detail`), from the statistics, the schema and
the baseline (or skew reference) statistics. Pure: no I/O.

TFDV's descriptions name what it saw ("Unexpectedly large value: 999.", "The feature value with
maximum difference is: US") but not the bound, the baseline's value, nor how many rows; this
module reads those from the same protos TFDV validated, so every output (core/finding_text.py)
can say "observed 999 (max); expected <= 120 (schema max)" or "US 75.5% of rows; expected
US 40.2% as in the baseline ds=2026-11-06". A field stays empty when the statistics do not know
it (e.g. how many rows exceed a numeric bound): empty means unknown, never zero.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from typing import TypeAlias

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.core.findings import Detail, Finding, ValueCount
from validator.stats.invalid import INVALID_COUNT, INVALID_EXAMPLES, INVALID_EXPECTED
from validator.stats.view import common_stats, feature_name, num_examples

MAX_DOMAIN_SHOWN = 8  # domain values named in "expected"; the rest are counted
MAX_EXAMPLES = 10

_Stats: TypeAlias = statistics_pb2.DatasetFeatureStatisticsList
_FeatureStats: TypeAlias = statistics_pb2.FeatureNameStatistics

DOMAIN_TYPES = frozenset({"ENUM_TYPE_UNEXPECTED_STRING_VALUES"})
LOW_TYPES = frozenset({"INT_TYPE_SMALL_INT", "FLOAT_TYPE_SMALL_FLOAT", "BOOL_TYPE_SMALL_INT"})
HIGH_TYPES = frozenset({"INT_TYPE_BIG_INT", "FLOAT_TYPE_BIG_FLOAT", "BOOL_TYPE_BIG_INT"})
PRESENCE_TYPES = frozenset({"FEATURE_TYPE_LOW_FRACTION_PRESENT", "FEATURE_TYPE_LOW_NUMBER_PRESENT",
                            "FEATURE_TYPE_NOT_PRESENT", "SCHEMA_MISSING_COLUMN"})
DISTANCE_TYPES = frozenset({"COMPARATOR_L_INFTY_HIGH", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH",
                            "COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH"})
_DISTANCE_NAME = {"COMPARATOR_L_INFTY_HIGH": "L-infinity distance",
                  "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH": "Jensen-Shannon divergence",
                  "COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH": "normalized absolute difference"}
NUM_EXAMPLES_TYPES = frozenset({"DATASET_LOW_NUM_EXAMPLES", "DATASET_HIGH_NUM_EXAMPLES",
                                "COMPARATOR_LOW_NUM_EXAMPLES", "COMPARATOR_HIGH_NUM_EXAMPLES"})


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What a detail is read from. `reference` is the skew reference; `skew` tells, per
    finding, whether a comparator finding compares with it rather than the baseline."""

    statistics: _Stats
    schema: schema_pb2.Schema
    baseline: _Stats | None = None
    baseline_ds: str | None = None
    reference: _Stats | None = None


def number(value: float) -> str:
    """999.0 -> '999'; 12345.0 -> '12,345'; 0.05234 -> '0.05234'."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"


def share(value: float) -> str:
    """0.407 -> '40.7%'; 1.0 -> '100%'."""
    return f"{value:.1%}".replace(".0%", "%")


def _features(stats: _Stats | None) -> dict[str, _FeatureStats]:
    if stats is None or not stats.datasets:
        return {}
    return {feature_name(f): f for f in stats.datasets[0].features}


def _schema_feature(schema: schema_pb2.Schema, name: str) -> schema_pb2.Feature | None:
    return next((f for f in schema.feature if f.name == name), None)


def domain_values(schema: schema_pb2.Schema, feature: schema_pb2.Feature) -> list[str] | None:
    """The values of a feature's string domain (inline or named), or None without one."""
    if feature.HasField("string_domain"):
        return list(feature.string_domain.value)
    if feature.HasField("domain"):
        for domain in schema.string_domain:
            if domain.name == feature.domain:
                return list(domain.value)
    return None


def value_counts(feature: _FeatureStats | None) -> list[tuple[str, float]]:
    """(value, rows) of a categorical feature: the rank histogram (every value TFDV kept), else
    the top values."""
    if feature is None or feature.WhichOneof("stats") != "string_stats":
        return []
    string = feature.string_stats
    buckets = [(b.label, b.sample_count) for b in string.rank_histogram.buckets]
    if len(buckets) >= len(string.top_values):
        return buckets
    return [(t.value, t.frequency) for t in string.top_values]


def _domain(finding: Finding, given: Inputs, stats: _FeatureStats | None) -> Detail | None:
    schema_feature = _schema_feature(given.schema, finding.feature)
    if schema_feature is None:
        return None
    domain = domain_values(given.schema, schema_feature) or []
    allowed = set(domain)
    outside = sorted(((v, c) for v, c in value_counts(stats) if v not in allowed),
                     key=lambda vc: (-vc[1], vc[0]))
    shown = ", ".join(sorted(domain)[:MAX_DOMAIN_SHOWN])
    more = len(domain) - MAX_DOMAIN_SHOWN
    expected = f"one of {shown}{f' and {more} more' if more > 0 else ''} (schema domain)"
    if not outside:
        return Detail(expected=expected, rows_total=num_examples(given.statistics) or None)
    noun = "value" if len(outside) == 1 else "values"
    return Detail(expected=expected, observed=f"{len(outside)} {noun} not in the domain",
                  rows_affected=int(sum(c for _, c in outside)),
                  rows_total=num_examples(given.statistics) or None,
                  examples=tuple(ValueCount(v, int(c)) for v, c in outside[:MAX_EXAMPLES]))


def _bounds(feature: schema_pb2.Feature) -> tuple[float | None, float | None]:
    for kind in ("int_domain", "float_domain"):
        if feature.HasField(kind):
            domain = getattr(feature, kind)
            return (float(domain.min) if domain.HasField("min") else None,
                    float(domain.max) if domain.HasField("max") else None)
    return None, None


def _range(finding: Finding, given: Inputs, stats: _FeatureStats | None) -> Detail | None:
    schema_feature = _schema_feature(given.schema, finding.feature)
    if schema_feature is None:
        return None
    low, high = _bounds(schema_feature)
    numeric = stats.num_stats if stats is not None and stats.HasField("num_stats") else None
    total = num_examples(given.statistics) or None
    if finding.anomaly_type in LOW_TYPES:
        expected = f">= {number(low)} (schema min)" if low is not None else "above the schema min"
        observed = f"min {number(numeric.min)}" if numeric is not None else ""
    else:
        expected = f"<= {number(high)} (schema max)" if high is not None else "below the schema max"
        observed = f"max {number(numeric.max)}" if numeric is not None else ""
    return Detail(expected=expected, observed=observed, rows_total=total)


def _presence(finding: Finding, given: Inputs, stats: _FeatureStats | None) -> Detail:
    total = num_examples(given.statistics)
    schema_feature = _schema_feature(given.schema, finding.feature)
    presence = schema_feature.presence if schema_feature is not None else None
    if finding.anomaly_type == "FEATURE_TYPE_LOW_NUMBER_PRESENT" and presence is not None:
        expected = f"present in at least {presence.min_count:,} rows (schema presence)"
    elif presence is not None and presence.HasField("min_fraction"):
        expected = f"present in at least {share(presence.min_fraction)} of rows (schema presence)"
    else:
        expected = "present (schema)"
    common = common_stats(stats) if stats is not None else None
    present = int(common.num_non_missing) if common is not None else 0
    if finding.anomaly_type == "SCHEMA_MISSING_COLUMN" or common is None:
        observed = "the column is absent"
    elif total:
        observed = f"present in {share(present / total)} of rows"
    else:
        observed = f"present in {present:,} rows"
    missing = max(total - present, 0) if total else None
    return Detail(expected=expected, observed=observed, rows_affected=missing,
                  rows_total=total or None)


def _invalid(given: Inputs, stats: _FeatureStats | None) -> Detail | None:
    if stats is None:
        return None
    custom = {c.name: c for c in stats.custom_stats}
    if INVALID_COUNT not in custom:
        return None
    count = int(custom[INVALID_COUNT].num)
    expected_type = custom[INVALID_EXPECTED].str if INVALID_EXPECTED in custom else "the schema type"
    examples: list[str] = []
    text = custom[INVALID_EXAMPLES].str if INVALID_EXAMPLES in custom else ""
    try:
        parsed = ast.literal_eval(f"[{text}]") if text else []
        examples = [str(e) for e in parsed]
    except (ValueError, SyntaxError):
        examples = [text] if text else []
    noun = "value does" if count == 1 else "values do"
    return Detail(expected=f"values of type {expected_type}",
                  observed=f"{count:,} {noun} not parse as {expected_type}",
                  rows_affected=count, rows_total=num_examples(given.statistics) or None,
                  examples=tuple(ValueCount(e) for e in examples[:MAX_EXAMPLES]))


def _shares(feature: _FeatureStats | None) -> dict[str, float]:
    counts = value_counts(feature)
    total = sum(c for _, c in counts)
    return {v: c / total for v, c in counts} if total else {}


def _distance(finding: Finding, given: Inputs, stats: _FeatureStats | None, skew: bool
              ) -> Detail | None:
    other_stats = given.reference if skew else given.baseline
    other = _features(other_stats).get(finding.feature)
    where = "the skew reference" if skew else \
        f"the baseline ds={given.baseline_ds}" if given.baseline_ds else "the baseline"
    kind = _DISTANCE_NAME.get(finding.anomaly_type, "distance")
    measured = f" ({kind} {finding.value:.3g})" if finding.value is not None else ""
    limit = f" ({kind} <= {finding.threshold:g})" if finding.threshold is not None else ""
    baseline_ds = None if skew else given.baseline_ds
    now, before = _shares(stats), _shares(other)
    if now or before:
        value = max(set(now) | set(before),
                    key=lambda v: (abs(now.get(v, 0.0) - before.get(v, 0.0)), v))
        return Detail(observed=f"{value} {share(now.get(value, 0.0))} of rows{measured}",
                      expected=f"{value} {share(before.get(value, 0.0))} as in {where}{limit}",
                      baseline_ds=baseline_ds)
    if stats is not None and stats.HasField("num_stats") and other is not None \
            and other.HasField("num_stats"):
        return Detail(observed=f"mean {number(stats.num_stats.mean)}{measured}",
                      expected=f"mean {number(other.num_stats.mean)} as in {where}{limit}",
                      baseline_ds=baseline_ds)
    return Detail(observed=measured.strip(" ()"), expected=f"as in {where}{limit}".strip(),
                  baseline_ds=baseline_ds)


def _num_examples(finding: Finding, given: Inputs) -> Detail:
    rows = num_examples(given.statistics)
    constraints = given.schema.dataset_constraints
    if finding.anomaly_type == "DATASET_LOW_NUM_EXAMPLES":
        expected = f"at least {constraints.min_examples_count:,} rows (schema)" \
            if constraints.HasField("min_examples_count") else "at least 1 row"
    elif finding.anomaly_type == "DATASET_HIGH_NUM_EXAMPLES":
        expected = f"at most {constraints.max_examples_count:,} rows (schema)"
    else:
        before = num_examples(given.baseline) if given.baseline is not None else None
        where = f"the baseline ds={given.baseline_ds}" if given.baseline_ds else "the baseline"
        expected = f"{before:,} rows as in {where}" if before is not None else f"as in {where}"
        return Detail(expected=expected, observed=f"{rows:,} rows", baseline_ds=given.baseline_ds)
    return Detail(expected=expected, observed=f"{rows:,} rows")


def explain(finding: Finding, given: Inputs, *, skew: bool = False) -> Detail | None:
    """The detail of one finding, or None when nothing more than TFDV's words is known."""
    stats = _features(given.statistics).get(finding.feature)
    kind = finding.anomaly_type
    if kind in DOMAIN_TYPES:
        return _domain(finding, given, stats)
    if kind in LOW_TYPES or kind in HIGH_TYPES:
        return _range(finding, given, stats)
    if kind in PRESENCE_TYPES:
        return _presence(finding, given, stats)
    if kind == "UNEXPECTED_DATA_TYPE":
        return _invalid(given, stats)
    if kind in DISTANCE_TYPES:
        return _distance(finding, given, stats, skew)
    if kind in NUM_EXAMPLES_TYPES:
        return _num_examples(finding, given)
    return None


def explain_all(findings: Sequence[Finding], given: Inputs, skewed: Sequence[bool] = ()
                ) -> list[Finding]:
    """`findings` with their detail filled where it is known (`skewed[i]`: finding i compares
    with the skew reference)."""
    out = []
    for index, finding in enumerate(findings):
        skew = skewed[index] if index < len(skewed) else False
        detail = explain(finding, given, skew=skew)
        out.append(dataclasses.replace(finding, detail=detail) if detail is not None else finding)
    return out
