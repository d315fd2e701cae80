"""`dqv schema diff`: what the data shows that the curated schema does not say (pure part)."""

from __future__ import annotations

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.cli.schema import diff

CURATED = text_format.Parse("""
feature { name: "age" type: INT int_domain { min: 0 max: 120 } }
feature { name: "country" type: BYTES domain: "country" }
feature { name: "gone" type: FLOAT }
string_domain { name: "country" value: "DE" value: "US" }
""", schema_pb2.Schema())
INFERRED = text_format.Parse("""
feature { name: "age" type: INT }
feature { name: "country" type: BYTES string_domain { value: "DE" value: "US" value: "<XX>" } }
feature { name: "fresh" type: BYTES }
""", schema_pb2.Schema())
STATS = text_format.Parse("""
datasets { features { path { step: "age" } num_stats { min: -1 max: 999 } } }
""", statistics_pb2.DatasetFeatureStatisticsList())


def test_diff_lists_what_the_schema_does_not_say() -> None:
    found = {(s.feature, s.kind): s.detail for s in diff(CURATED, INFERRED, STATS)}
    assert set(found) == {("fresh", "new_feature"), ("gone", "absent_feature"),
                          ("country", "domain"), ("age", "range")}
    assert "'<XX>'" in found[("country", "domain")]
    assert "[-1, 999]" in found[("age", "range")]


def test_no_suggestions_when_schema_and_data_agree() -> None:
    assert diff(CURATED, CURATED, statistics_pb2.DatasetFeatureStatisticsList()) == []
