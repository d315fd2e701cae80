"""The core: (statistics, schema, baseline, policy) -> verdict. Pure: no I/O.

Wraps TFDV's `validate_statistics` (the check TFX ExampleValidator runs), then applies the
job's severity policy. The highest severity decides the outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from validator.core.findings import Detail, Finding, Measurement, outcome_of
from validator.core.outcome import Outcome, Severity
from validator.core.policy import SeverityConfig, Waiver, severity_for
from validator.core.result import Verdict
from validator.core.waivers import apply_waivers, reference_date
from validator.stats.accumulate import INVALID_COUNT, INVALID_EXAMPLES, INVALID_EXPECTED, num_examples
from validator.stats.tfdv_runtime import import_tfdv
from validator.stats.view import path_name
from validator.validation.explain import Inputs, explain_all

tfdv = import_tfdv()

DATASET = "(dataset)"  # the feature name findings about the whole dataset carry
_TYPE_NAME = anomalies_pb2.AnomalyInfo.Type.Name
_DRIFT_KIND = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name
_COMPARATOR_KIND = {
    "COMPARATOR_L_INFTY_HIGH": "L_INFTY",
    "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH": "JENSEN_SHANNON_DIVERGENCE",
    "COMPARATOR_NORMALIZED_ABSOLUTE_DIFFERENCE_HIGH": "NORMALIZED_ABSOLUTE_DIFFERENCE",
}


def _feature_name(path: Any) -> str:
    return path_name(path)


def _measurements(anomalies: anomalies_pb2.Anomalies) -> list[Measurement]:
    out: list[Measurement] = []
    for info in anomalies.drift_skew_info:
        feature = _feature_name(info.path)
        for comparison, items in (("drift", info.drift_measurements), ("skew", info.skew_measurements)):
            out.extend(Measurement(feature, comparison, _DRIFT_KIND(m.type), m.value, m.threshold)
                       for m in items)
    return out


def _invalid_value_findings(stats: statistics_pb2.DatasetFeatureStatisticsList,
                            anomalies: anomalies_pb2.Anomalies) -> None:
    """Values that did not parse as the schema's type become UNEXPECTED_DATA_TYPE anomalies."""
    if not stats.datasets:
        return
    for feature in stats.datasets[0].features:
        custom = {c.name: c for c in feature.custom_stats}
        if INVALID_COUNT not in custom:
            continue
        name = _feature_name(feature.path) or feature.name
        count = int(custom[INVALID_COUNT].num)
        expected = custom[INVALID_EXPECTED].str
        examples = custom[INVALID_EXAMPLES].str
        info = anomalies.anomaly_info[name]
        info.path.step[:] = name.split(".")
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        reason = info.reason.add(
            type=anomalies_pb2.AnomalyInfo.UNEXPECTED_DATA_TYPE,
            short_description=f"Values not of type {expected}",
            description=f"{count} value(s) do not parse as {expected}, e.g. {examples}.")
        info.short_description = reason.short_description
        info.description = reason.description


def _no_rows(anomalies: anomalies_pb2.Anomalies) -> None:
    info = anomalies.dataset_anomaly_info
    info.severity = anomalies_pb2.AnomalyInfo.ERROR
    info.reason.add(type=anomalies_pb2.AnomalyInfo.DATASET_LOW_NUM_EXAMPLES,
                    short_description="No rows",
                    description="no rows: the data for this ds is empty.")


@dataclasses.dataclass(frozen=True)
class Context:
    """Where a partition is validated: its TFDV environment, and the waivers in force on its
    ds (`as_of`)."""

    environment: str | None = None
    waivers: Sequence[Waiver] = ()
    as_of: dt.date | None = None
    baseline_unreadable: str | None = None  # why the drift baseline could not be read
    baseline_ds: str | None = None  # the ds of the drift baseline (named in drift findings)


def validate(statistics: statistics_pb2.DatasetFeatureStatisticsList,
             schema: schema_pb2.Schema,
             policy: SeverityConfig,
             *,
             baseline: statistics_pb2.DatasetFeatureStatisticsList | None = None,
             reference: statistics_pb2.DatasetFeatureStatisticsList | None = None,
             context: Context = Context()) -> Verdict:
    """Validate statistics against the schema, drift against `baseline` and skew against
    `reference` (training statistics when validating serving data), then apply the job's
    waivers as of the context's ds (validator/core/waivers.py explains why)."""
    environment, waivers, as_of = context.environment, context.waivers, context.as_of
    if num_examples(statistics) == 0:
        # No rows is not a matter of policy: neither a severity rule nor a waiver may let an
        # empty partition pass the gate or become a baseline.
        anomalies = anomalies_pb2.Anomalies()
        _no_rows(anomalies)
        (finding,) = _findings(anomalies, SeverityConfig(), [])
        blocked = dataclasses.replace(finding, severity=Severity.ERROR,
                                      detail=Detail(expected="at least 1 row", observed="0 rows",
                                                    rows_total=0))
        return Verdict(Outcome.BLOCK, (blocked,), anomalies, ())
    anomalies = tfdv.validate_statistics(
        statistics, schema, environment=environment,
        previous_statistics=baseline, serving_statistics=None)
    skew_from: dict[str, int] = {}
    if reference is not None:
        skew = tfdv.validate_statistics(reference, schema, environment=None,
                                        serving_statistics=statistics)
        skew_from = _merge_skew(anomalies, skew)
    _invalid_value_findings(statistics, anomalies)
    measurements = _measurements(anomalies)
    skewed: list[bool] = []
    findings = _findings(anomalies, policy, measurements, skew_from, skewed)
    findings = explain_all(findings, Inputs(statistics, schema, baseline, context.baseline_ds,
                                            reference), skewed)
    if context.baseline_unreadable and _checks_drift(schema):
        findings.append(_baseline_unreadable(context.baseline_unreadable, policy))
    if waivers:
        findings = list(apply_waivers(findings, waivers, reference_date(as_of)))
    return Verdict(outcome_of(findings), tuple(findings), anomalies, tuple(measurements))


BASELINE_UNREADABLE = "BASELINE_UNREADABLE"


def _checks_drift(schema: schema_pb2.Schema) -> bool:
    return any(f.HasField("drift_comparator") for f in schema.feature) or \
        schema.dataset_constraints.HasField("num_examples_drift_comparator")


def _baseline_unreadable(reason: str, policy: SeverityConfig) -> Finding:
    """Drift could not be checked: a finding of its own (default error; the job's severity
    rules and waivers apply to it as to any anomaly type)."""
    return Finding(feature=DATASET, anomaly_type=BASELINE_UNREADABLE,
                   severity=severity_for(policy, DATASET, BASELINE_UNREADABLE),
                   short_description="Drift not evaluated: baseline unreadable",
                   description=reason, value=None, threshold=None)


def _merge_skew(anomalies: anomalies_pb2.Anomalies, skew: anomalies_pb2.Anomalies
                ) -> dict[str, int]:
    """Append the skew reasons; return, per feature, the index where its skew reasons start
    (a comparator anomaly is drift before it and skew from it on)."""
    skew_from: dict[str, int] = {}
    for name, info in skew.anomaly_info.items():
        for reason in info.reason:
            if reason.type == anomalies_pb2.AnomalyInfo.SCHEMA_TRAINING_SERVING_SKEW or \
                    _TYPE_NAME(reason.type).startswith("COMPARATOR_"):
                target = anomalies.anomaly_info[name]
                skew_from.setdefault(name, len(target.reason))
                target.path.CopyFrom(info.path)
                target.severity = max(target.severity, info.severity)
                target.reason.add().CopyFrom(reason)
    anomalies.drift_skew_info.extend(i for i in skew.drift_skew_info if i.skew_measurements)
    return skew_from


def _findings(anomalies: anomalies_pb2.Anomalies, policy: SeverityConfig,
              measurements: list[Measurement], skew_from: dict[str, int] | None = None,
              skewed: list[bool] | None = None) -> list[Finding]:
    """The findings of `anomalies`; `skewed` (when given) gets, per finding, whether it
    compares with the skew reference."""
    skew_from = skew_from or {}
    by_feature = {(m.feature, m.comparison, m.kind): m for m in measurements
                  if m.value > m.threshold}
    items = [(name, info) for name, info in anomalies.anomaly_info.items()]
    if anomalies.dataset_anomaly_info.reason:
        items.append((DATASET, anomalies.dataset_anomaly_info))
    findings = []
    for name, info in sorted(items, key=lambda item: item[0]):
        for index, reason in enumerate(info.reason):
            kind = _TYPE_NAME(reason.type)
            comparison = "skew" if index >= skew_from.get(name, len(info.reason)) else "drift"
            measured = by_feature.get((name, comparison, _COMPARATOR_KIND.get(kind, "")))
            if skewed is not None:
                skewed.append(comparison == "skew")
            findings.append(Finding(
                feature=name,
                anomaly_type=kind,
                severity=severity_for(policy, name, kind, info.severity),
                short_description=reason.short_description,
                description=reason.description,
                value=measured.value if measured else None,
                threshold=measured.threshold if measured else None,
            ))
    return findings
