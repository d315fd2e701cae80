"""Masked columns (job `evidence.mask` and `evidence.omit`): their values never leave the run.

Applied by the runner after validation, before anything is written or sent:
- findings on a masked column keep their type and severity, but a description that may quote
  values (TFDV's "Examples contain values missing from the schema: x (~5%)", "Unexpectedly
  large value: 999") becomes a generic one, and the detail's examples and observed value go;
- the same for the anomalies proto written as anomalies.pbtxt;
- the statistics written as FeatureStats.pb (read by `dqv show`, the report and as the next
  runs' drift baseline) lose the masked columns' values: top values, rank histograms, numeric
  histograms, min, median and max. Counts, missing fractions, means and unique counts stay.
  So drift and skew comparators on a masked column have no values to compare.
Names match case-insensitively (BigQuery's column names do). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from validator.core.findings import Finding
from validator.stats.invalid import INVALID_EXAMPLES
from validator.stats.view import feature_name, path_name

HIDDEN = "values of masked column not shown"


def _masked(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


def _short(text: str) -> str:
    # TFDV's short descriptions name the kind of problem; a few add a value after a colon.
    return text.split(":", 1)[0].strip() or "Anomaly"


def mask_finding(finding: Finding) -> Finding:
    short = _short(finding.short_description)
    detail = finding.detail
    if detail is not None:
        detail = dataclasses.replace(detail, examples=(), observed="")
    return dataclasses.replace(finding, short_description=short,
                               description=f"{short} ({HIDDEN})", detail=detail)


def mask_findings(findings: Iterable[Finding], masked: Iterable[str]) -> list[Finding]:
    names = _masked(masked)
    return [mask_finding(f) if f.feature.lower() in names else f for f in findings]


def mask_anomalies(anomalies: anomalies_pb2.Anomalies, masked: Iterable[str]) -> anomalies_pb2.Anomalies:
    names = _masked(masked)
    out = anomalies_pb2.Anomalies()
    out.CopyFrom(anomalies)
    for name, info in out.anomaly_info.items():
        if name.lower() not in names and path_name(info.path).lower() not in names:
            continue
        for reason in info.reason:
            reason.short_description = _short(reason.short_description)
            reason.description = f"{reason.short_description} ({HIDDEN})"
        info.short_description = _short(info.short_description)
        info.description = f"{info.short_description} ({HIDDEN})"
    return out


def mask_statistics(stats: statistics_pb2.DatasetFeatureStatisticsList, masked: Iterable[str]
                    ) -> statistics_pb2.DatasetFeatureStatisticsList:
    names = _masked(masked)
    out = statistics_pb2.DatasetFeatureStatisticsList()
    out.CopyFrom(stats)
    if not names:
        return out
    for dataset in out.datasets:
        for feature in dataset.features:
            if feature_name(feature).lower() not in names:
                continue
            if feature.HasField("string_stats"):
                feature.string_stats.ClearField("top_values")
                feature.string_stats.ClearField("rank_histogram")
            if feature.HasField("num_stats"):
                num = feature.num_stats
                num.ClearField("histograms")
                num.ClearField("min")
                num.ClearField("max")
                num.ClearField("median")
            for custom in feature.custom_stats:
                if custom.name == INVALID_EXAMPLES:  # examples of values that did not parse
                    custom.str = HIDDEN
                if custom.HasField("histogram"):
                    custom.ClearField("histogram")
                if custom.HasField("rank_histogram"):
                    custom.ClearField("rank_histogram")
    return out
