"""Feature summaries and baseline comparison, from TFDV statistics text protos."""

from __future__ import annotations

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.report.features import Bucket, common_edges, compare, rebin, summarize, top_value_union


def _stats(text: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    return text_format.Parse(text, statistics_pb2.DatasetFeatureStatisticsList())


BASELINE = _stats("""
datasets {
  num_examples: 100
  features {
    path { step: "age" } type: INT
    num_stats {
      common_stats { num_non_missing: 100 }
      mean: 40 std_dev: 10 min: 18 max: 80
      histograms { type: STANDARD
        buckets { low_value: 18 high_value: 49 sample_count: 60 }
        buckets { low_value: 49 high_value: 80 sample_count: 40 } }
      histograms { type: QUANTILES buckets { low_value: 18 high_value: 80 sample_count: 100 } }
    }
  }
  features {
    path { step: "country" } type: STRING
    string_stats {
      common_stats { num_non_missing: 100 }
      unique: 3
      top_values { value: "US" frequency: 50 }
      top_values { value: "DE" frequency: 30 }
      top_values { value: "FR" frequency: 20 }
    }
  }
  features { path { step: "dropped" } type: FLOAT num_stats { common_stats { num_non_missing: 100 } } }
}
""")

CURRENT = _stats("""
datasets {
  num_examples: 200
  features {
    path { step: "age" } type: INT
    num_stats {
      common_stats { num_non_missing: 180 }
      mean: 52 std_dev: 10 min: 3 max: 80
      histograms { type: STANDARD
        buckets { low_value: 3 high_value: 80 sample_count: 180 } }
    }
  }
  features {
    path { step: "country" } type: STRING
    string_stats {
      common_stats { num_non_missing: 200 }
      unique: 3
      top_values { value: "US" frequency: 100 }
      top_values { value: "DE" frequency: 60 }
      top_values { value: "FR" frequency: 40 }
    }
  }
}
""")


def test_summary_reads_type_missing_range_and_top_values() -> None:
    now = summarize(CURRENT)
    age, country = now.features["age"], now.features["country"]
    assert (age.type, age.minimum, age.mean, age.maximum) == ("INT", 3, 52, 80)
    assert age.missing == pytest.approx(0.1)  # 20 of 200 examples have no age
    assert country.type == "STRING" and country.unique == 3
    assert country.top_values == (("US", 0.5), ("DE", 0.3), ("FR", 0.2))
    assert now.missing_ratio == pytest.approx(0.05)


def test_changes_against_the_baseline_are_flagged_per_cell() -> None:
    by_name = {c.name: c for c in compare(summarize(CURRENT), summarize(BASELINE))}
    assert by_name["age"].changes == {"missing", "min", "mean"}  # 0% -> 10%, 18 -> 3, 40 -> 52
    assert by_name["country"].changes == frozenset()  # same mix, twice the rows
    assert by_name["dropped"].current is None and by_name["dropped"].changes == {"presence"}


def test_without_a_baseline_nothing_is_flagged() -> None:
    assert all(not c.changes and c.baseline is None for c in compare(summarize(CURRENT), None))


def test_rebin_keeps_counts_and_spreads_them_by_overlap() -> None:
    buckets = [Bucket(0, 10, 10), Bucket(10, 20, 30)]
    counts = rebin(buckets, [0, 5, 15, 20])
    assert counts == pytest.approx([5, 5 + 15, 15])
    age = summarize(BASELINE).features["age"]
    assert sum(rebin(age.histogram, common_edges([age]))) == pytest.approx(100)


def test_top_value_union_ranks_values_of_either_run() -> None:
    now = summarize(CURRENT).features["country"]
    before = summarize(BASELINE).features["country"]
    assert top_value_union(now, before, limit=2) == [("US", 0.5, 0.5), ("DE", 0.3, 0.3)]
    assert top_value_union(now, None)[0] == ("US", 0.5, None)
