"""The checks section of the report: every constraint of the job's schema and every monitor
of the run, with what was expected, what this run observed, and whether it passed. Pure.

Pass or fail comes from the run's findings (the verdict), never from a second judgement here:
a check fails when the run has a finding of one of the anomaly types that constraint raises
(the finding's severity, waivers included, says what that did to the gate); it passes when the
run was evaluated without one. Observed values come from the run's statistics, the drift and
skew measurements and the monitors' results; for a failed check, the finding's own words
(core/finding_text.py) where they say more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from tensorflow_metadata.proto.v0 import schema_pb2

from validator.core.finding_text import describe
from validator.core.findings import Finding
from validator.core.monitors import DATASET, DUPLICATE, FRESHNESS, MonitorResult, band_text, fmt
from validator.core.outcome import Outcome, Severity
from validator.core.record import RunRecord
from validator.report.data import monitor_results
from validator.stats.view import DatasetSummary, FeatureSummary

MAX_DOMAIN_VALUES = 12
# The anomaly types each kind of constraint raises (TFDV's AnomalyInfo.Type names, and dqv's).
PRESENCE = frozenset({"FEATURE_TYPE_LOW_FRACTION_PRESENT", "FEATURE_TYPE_LOW_NUMBER_PRESENT",
                      "FEATURE_TYPE_NOT_PRESENT", "SCHEMA_MISSING_COLUMN"})
TYPE = frozenset({"UNEXPECTED_DATA_TYPE", "FEATURE_TYPE_NO_VALUES_SEEN",
                  "INT_TYPE_NOT_INT_STRING", "FLOAT_TYPE_NOT_FLOAT_STRING",
                  "FLOAT_TYPE_STRING_NOT_FLOAT", "INT_TYPE_INT_EXPECTED"})
DOMAIN = frozenset({"ENUM_TYPE_UNEXPECTED_STRING_VALUES", "ENUM_TYPE_BYTES_NOT_STRING",
                    "ENUM_TYPE_INVALID_UTF8", "BOOL_TYPE_UNEXPECTED_INT", "BOOL_TYPE_BIG_INT",
                    "BOOL_TYPE_SMALL_INT", "BOOL_TYPE_UNEXPECTED_STRING",
                    "BOOL_TYPE_UNEXPECTED_FLOAT", "BOOL_TYPE_INVALID_CONFIG"})
RANGE = frozenset({"INT_TYPE_SMALL_INT", "INT_TYPE_BIG_INT", "FLOAT_TYPE_SMALL_FLOAT",
                   "FLOAT_TYPE_BIG_FLOAT", "FLOAT_TYPE_HAS_NAN", "FLOAT_TYPE_HAS_INF"})
VALUE_COUNT = frozenset({"FEATURE_TYPE_LOW_NUMBER_VALUES", "FEATURE_TYPE_HIGH_NUMBER_VALUES",
                         "INVALID_FEATURE_SHAPE"})
COMPARATOR = frozenset({"COMPARATOR_L_INFTY_HIGH", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH",
                        "COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH"})
EXAMPLES = frozenset({"DATASET_LOW_NUM_EXAMPLES", "DATASET_HIGH_NUM_EXAMPLES"})
EXAMPLES_DRIFT = frozenset({"COMPARATOR_LOW_NUM_EXAMPLES", "COMPARATOR_HIGH_NUM_EXAMPLES"})
_TYPE_NAMES = {schema_pb2.INT: "INT", schema_pb2.FLOAT: "FLOAT", schema_pb2.BYTES: "BYTES",
               schema_pb2.STRUCT: "STRUCT"}
_COMPARATOR_NAMES = {"infinity_norm": "L-infinity distance",
                     "jensen_shannon_divergence": "Jensen-Shannon divergence",
                     "normalized_abs_difference": "normalized absolute difference"}
_MEASUREMENT_KINDS = {"infinity_norm": "L_INFTY",
                      "jensen_shannon_divergence": "JENSEN_SHANNON_DIVERGENCE",
                      "normalized_abs_difference": "NORMALIZED_ABSOLUTE_DIFFERENCE"}

_UNBANDED = {DUPLICATE: "statistics unlike every earlier partition's",
             FRESHNESS: "events from the ds, up to its end"}


@dataclasses.dataclass(frozen=True)
class Check:
    subject: str  # a feature, "(dataset)", or a monitored feature
    constraint: str  # presence, type, domain, range, value count, drift, skew, rows, monitor ...
    expected: str
    observed: str
    status: str  # pass, fail, not evaluated, no baseline, learning, skipped
    severity: str = ""  # of the finding, for a failed check: error, warning, ignore (+ waived)


@dataclasses.dataclass(frozen=True)
class _Context:
    record: RunRecord
    summary: DatasetSummary | None
    findings: Sequence[Finding]
    number: Callable[[str, float | None], str]  # how a feature's values are written

    @property
    def evaluated(self) -> bool:
        return self.record.outcome not in (None, Outcome.NOT_EVALUATED, Outcome.NOT_READY)

    def feature(self, name: str) -> FeatureSummary | None:
        return self.summary.features.get(name) if self.summary else None

    def check(self, subject: str, constraint: str, expected: str, observed: str,
              types: frozenset[str], judged: str | None = None) -> Check:
        """`judged`: the status when no finding decides (e.g. "no baseline")."""
        found = [f for f in self.findings if f.feature == subject and f.anomaly_type in types]
        if found:
            worst = max(found, key=lambda f: f.severity.rank)
            text = describe(worst)
            severity = text.severity + (" (not reported)" if worst.severity is Severity.IGNORE
                                        else "")
            seen = text.observed or observed or text.headline
            if text.examples:
                seen += f": {text.examples}"  # the offending values with their counts
            return Check(subject, constraint, expected, seen, "fail", severity)
        if not self.evaluated:
            return Check(subject, constraint, expected, "–", "not evaluated")
        return Check(subject, constraint, expected, observed or "–", judged or "pass")


def build_checks(schema: schema_pb2.Schema | None, record: RunRecord,
                 summary: DatasetSummary | None,
                 number: Callable[[str, float | None], str]) -> list[Check]:
    """Every constraint of `schema` and every monitor result of `record`, in schema order,
    dataset-level checks first. `number(feature, value)` formats a feature's values (dates for
    timestamps)."""
    ctx = _Context(record, summary, record.findings, number)
    out: list[Check] = []
    if schema is not None:
        out += _dataset_checks(schema, ctx)
        domains = {d.name: d for d in schema.string_domain}
        for feature in schema.feature:
            out += _feature_checks(feature, domains, ctx)
    out += [_monitor_check(m, ctx) for m in monitor_results(record).values()]
    return out


def _dataset_checks(schema: schema_pb2.Schema, ctx: _Context) -> list[Check]:
    out = []
    rows = f"{ctx.record.rows:,} rows"
    limits = schema.dataset_constraints
    if limits.HasField("min_examples_count") or limits.HasField("max_examples_count"):
        parts = []
        if limits.HasField("min_examples_count"):
            parts.append(f"at least {limits.min_examples_count:,}")
        if limits.HasField("max_examples_count"):
            parts.append(f"at most {limits.max_examples_count:,}")
        out.append(ctx.check(DATASET, "rows", " and ".join(parts) + " rows", rows, EXAMPLES))
    if limits.HasField("num_examples_drift_comparator"):
        comp = limits.num_examples_drift_comparator
        bounds = []
        if comp.HasField("min_fraction_threshold"):
            bounds.append(f"at least {comp.min_fraction_threshold:g}×")
        if comp.HasField("max_fraction_threshold"):
            bounds.append(f"at most {comp.max_fraction_threshold:g}×")
        base = ctx.record.baseline_ds
        expected = f"{' and '.join(bounds) or 'any'} the baseline's rows" + \
            (f" (baseline ds={base})" if base else "")
        judged = None if ctx.record.baseline_run_id else "no baseline"
        out.append(ctx.check(DATASET, "rows vs baseline", expected, rows, EXAMPLES_DRIFT, judged))
    return out


def _feature_checks(feature: schema_pb2.Feature, domains: dict[str, schema_pb2.StringDomain],
                    ctx: _Context) -> list[Check]:
    name = feature.name
    now = ctx.feature(name)
    expected_type = _TYPE_NAMES.get(feature.type, "?")
    observed_type = "absent" if now is None else now.type
    if observed_type == "STRING" and expected_type == "BYTES":
        observed_type = "BYTES"  # TFDV's statistics call BYTES features STRING
    out = [ctx.check(name, "type", expected_type, observed_type, TYPE)]
    if feature.HasField("presence"):
        presence = feature.presence
        expected = f"in at least {presence.min_fraction:.0%} of rows"
        if presence.min_count:
            expected += f" (at least {presence.min_count:,})"
        observed = "absent" if now is None else \
            ("–" if now.missing is None else f"{1 - now.missing:.1%} of rows ({now.present or 0:,})")
        out.append(ctx.check(name, "presence", expected, observed, PRESENCE))
    out += _domain_checks(feature, domains, now, ctx)
    if feature.HasField("value_count") or feature.HasField("shape"):
        out.append(_value_count_check(feature, now, ctx))
    for field, comparison in (("drift_comparator", "drift"), ("skew_comparator", "skew")):
        if feature.HasField(field):
            out.append(_comparator_check(name, getattr(feature, field), comparison, ctx))
    return out


def _domain_checks(feature: schema_pb2.Feature, domains: dict[str, schema_pb2.StringDomain],
                   now: FeatureSummary | None, ctx: _Context) -> list[Check]:
    name = feature.name
    which = feature.WhichOneof("domain_info")
    if which in ("domain", "string_domain"):
        domain = domains.get(feature.domain) if which == "domain" else feature.string_domain
        values = list(domain.value) if domain is not None else []
        shown = ", ".join(values[:MAX_DOMAIN_VALUES])
        if len(values) > MAX_DOMAIN_VALUES:
            shown += f", and {len(values) - MAX_DOMAIN_VALUES} more"
        label = f" (string_domain {feature.domain})" if which == "domain" else ""
        observed = ""
        if now is not None and now.top_values:
            outside = [f"{v} {s:.1%}" for v, s in now.top_values if v not in set(values)]
            observed = ("outside the domain: " + ", ".join(outside)) if outside else \
                f"{now.unique if now.unique is not None else '?'} distinct value(s), top values " \
                "all in the domain"
        return [ctx.check(name, "domain", f"one of {shown}{label}", observed, DOMAIN)]
    if which == "bool_domain":
        observed = ""
        if now is not None and now.top_values:  # TFDV counts bool_domain ints as categories
            observed = "values " + ", ".join(f"{v} {s:.0%}" for v, s in now.top_values)
        elif now is not None and now.minimum is not None:
            observed = _range_text(name, now, ctx)
        return [ctx.check(name, "domain", "0 or 1 (bool_domain)", observed, DOMAIN)]
    if which in ("int_domain", "float_domain"):
        domain = getattr(feature, which)
        low = ctx.number(name, domain.min) if domain.HasField("min") else "-∞"
        high = ctx.number(name, domain.max) if domain.HasField("max") else "∞"
        observed = _range_text(name, now, ctx) if now and now.numeric else ""
        return [ctx.check(name, "range", f"[{low}, {high}] ({which})", observed, RANGE)]
    return []


def _range_text(name: str, now: FeatureSummary, ctx: _Context) -> str:
    return f"[{ctx.number(name, now.minimum)}, {ctx.number(name, now.maximum)}]"


def _per_row(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} value(s) per row"
    return f"{low} value(s) per row" if low == high else f"{low}–{high} values per row"


def _value_count_check(feature: schema_pb2.Feature, now: FeatureSummary | None,
                       ctx: _Context) -> Check:
    if feature.HasField("shape"):
        sizes = [d.size for d in feature.shape.dim]
        expected = f"shape [{', '.join(str(s) for s in sizes)}]"
    else:
        count = feature.value_count
        expected = _per_row(count.min, count.max if count.HasField("max") else None)
    observed = ""
    if now is not None and now.min_values is not None:
        observed = _per_row(now.min_values, now.max_values)
    return ctx.check(feature.name, "value count", expected, observed, VALUE_COUNT)


def _comparator_check(name: str, comparator: schema_pb2.FeatureComparator, comparison: str,
                      ctx: _Context) -> Check:
    record = ctx.record
    kinds = [k for k in _COMPARATOR_NAMES if comparator.HasField(k)]
    kind = kinds[0] if kinds else ""
    threshold = getattr(comparator, kind).threshold if kind else 0.0
    if comparison == "drift":
        against = f"baseline ds={record.baseline_ds}" if record.baseline_ds else "the baseline"
        has_reference = bool(record.baseline_run_id)
    else:
        against = "the skew reference"
        has_reference = bool(record.reference_run_id or record.reference_statistics)
    expected = f"{_COMPARATOR_NAMES.get(kind, 'distance')} ≤ {threshold:g} vs {against}"
    found = [m for m in record.measurements_of(comparison)
             if m.feature == name and m.kind == _MEASUREMENT_KINDS.get(kind, m.kind)]
    observed = f"{found[0].value:.4g}" if found else ""
    judged = None if has_reference else f"no {'baseline' if comparison == 'drift' else 'reference'}"
    check = ctx.check(name, comparison, expected, observed, COMPARATOR, judged)
    if check.status == "fail" and found:  # the distance itself, not the finding's words
        return dataclasses.replace(check, observed=observed)
    return check


def _monitor_check(result: MonitorResult, ctx: _Context) -> Check:
    whole = result.feature == DATASET
    observed = "–" if result.observed is None else fmt(result.observed)
    if result.band is not None:
        expected = f"{band_text(result.band, whole=whole)} from {result.band.basis}"
    elif result.status in ("learning", "skipped"):
        expected = result.message
    else:  # duplicate, freshness: the monitor's own words say what it saw
        expected = _UNBANDED.get(result.key, "–")
        observed = result.message or observed
    status = {"fired": "fail", "ok": "pass"}.get(result.status, result.status)
    severity = ""
    if result.fired:
        found = [f for f in ctx.findings if f.feature == result.feature
                 and f.anomaly_type == result.anomaly_type]
        severity = describe(found[0]).severity if found else ""
    return Check(result.feature, f"monitor {result.key}", expected, observed, status, severity)
