"""Which blocking findings are about values, and which rows each is about, from the schema.

A finding becomes a `ValueCheck` (core/evidence_sql.py) when it blocks (severity error, not
waived) and concerns values: a string outside the schema's domain, a number below the
int/float domain's min or above its max, a value that does not parse as the schema's type, or
missing values (presence, and the missing-ratio monitor). Other findings (drift, a missing
column, row counts) have no rows of their own to show. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Literal

from tensorflow_metadata.proto.v0 import schema_pb2

from validator.core.evidence_sql import CheckKind, ValueCheck
from validator.core.findings import Finding
from validator.core.outcome import Severity
from validator.validation.explain import domain_values

DOMAIN = frozenset({"ENUM_TYPE_UNEXPECTED_STRING_VALUES"})
BELOW = frozenset({"INT_TYPE_SMALL_INT", "FLOAT_TYPE_SMALL_FLOAT"})
ABOVE = frozenset({"INT_TYPE_BIG_INT", "FLOAT_TYPE_BIG_FLOAT"})
TYPE = frozenset({"UNEXPECTED_DATA_TYPE", "INT_TYPE_NOT_INT_STRING", "FLOAT_TYPE_NOT_FLOAT_STRING",
                  "FLOAT_TYPE_STRING_NOT_FLOAT", "BOOL_TYPE_STRING_NOT_INT"})
MISSING = frozenset({"FEATURE_TYPE_LOW_FRACTION_PRESENT", "FEATURE_TYPE_LOW_NUMBER_PRESENT",
                     "FEATURE_TYPE_NOT_PRESENT"})
MISSING_RATIO = "METRIC_OUT_OF_BAND"  # the monitor's, when its metric is missing_ratio
_TYPES: dict[int, Literal["INT", "FLOAT", "BYTES"]] = {
    schema_pb2.INT: "INT", schema_pb2.FLOAT: "FLOAT", schema_pb2.BYTES: "BYTES"}


def _kind(finding: Finding) -> CheckKind | None:
    kind = finding.anomaly_type
    if kind in DOMAIN:
        return "domain"
    if kind in BELOW:
        return "below"
    if kind in ABOVE:
        return "above"
    if kind in TYPE:
        return "type"
    if kind in MISSING:
        return "missing"
    if kind == MISSING_RATIO and finding.short_description.startswith("missing_ratio above"):
        return "missing"
    return None


def is_blocking_value_finding(finding: Finding) -> bool:
    return finding.severity is Severity.ERROR and _kind(finding) is not None


def _bound(feature: schema_pb2.Feature, kind: CheckKind) -> float | int | None:
    field = "min" if kind == "below" else "max"
    if feature.HasField("int_domain") and feature.int_domain.HasField(field):
        return int(getattr(feature.int_domain, field))
    if feature.HasField("float_domain") and feature.float_domain.HasField(field):
        return float(getattr(feature.float_domain, field))
    return None


def check_of(finding: Finding, schema: schema_pb2.Schema) -> ValueCheck | None:
    """The rows `finding` is about, or None when the schema does not say (or it is not about
    values)."""
    kind = _kind(finding)
    feature = next((f for f in schema.feature if f.name == finding.feature), None)
    if kind is None or feature is None:
        return None
    value_type = _TYPES.get(feature.type, "BYTES")
    base = ValueCheck(feature=finding.feature, anomaly_type=finding.anomaly_type, kind=kind,
                      value_type=value_type)
    if kind == "domain":
        values = domain_values(schema, feature)
        if values is None:
            return None
        return dataclasses.replace(base, values=tuple(values))
    if kind in ("below", "above"):
        bound = _bound(feature, kind)
        if bound is None:
            return None
        return dataclasses.replace(base, bound=bound)
    if kind == "type" and value_type == "BYTES":
        return None
    return base


def value_checks(findings: Iterable[Finding], schema: schema_pb2.Schema) -> list[ValueCheck]:
    """One check per blocking value finding the schema can turn into rows, in findings order."""
    out = []
    for finding in findings:
        if is_blocking_value_finding(finding):
            check = check_of(finding, schema)
            if check is not None:
                out.append(check)
    return out
