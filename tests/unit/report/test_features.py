"""Feature summaries and baseline comparison, from TFDV statistics text protos."""

from __future__ import annotations

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.report.features import (
    Bucket,
    DatasetSummary,
    FeatureComparison,
    FeatureSummary,
    common_edges,
    compare,
    feature_kind,
    id_like,
    mean_shift_significant,
    rebin,
    summarize,
    top_value_union,
)


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


def _num(name: str, *, mean: float, std: float = 10.0, low: float = 0.0, high: float = 100.0,
         present: int = 1000, type_name: str = "FLOAT") -> FeatureSummary:
    return FeatureSummary(name, type_name, 0.0, minimum=low, mean=mean, maximum=high,
                          std_dev=std, present=present)


def _text(name: str, unique: int, present: int = 1000) -> FeatureSummary:
    return FeatureSummary(name, "STRING", 0.0, unique=unique, present=present,
                          top_values=(("a", 0.001),))


def _one(now: FeatureSummary, before: FeatureSummary, **kw: tuple[str, ...]) -> FeatureComparison:
    return compare(DatasetSummary(1000, {now.name: now}), DatasetSummary(1000, {before.name: before}),
                   **kw)[0]


def test_a_mean_shift_is_highlighted_only_when_significant_and_large() -> None:
    # 50 -> 56: 0.6 baseline std devs, ~13 standard errors, 12% relative: highlighted.
    assert "mean" in _one(_num("x", mean=56), _num("x", mean=50)).changes
    # 50 -> 52: ~4.5 standard errors but only 4% relative: not worth a look.
    assert "mean" not in _one(_num("x", mean=52), _num("x", mean=50)).changes
    # 50 -> 60 on 5 rows with std 30: 10 points (20%) but within noise (0.5 standard errors).
    noisy = _one(_num("x", mean=60, std=30, present=5), _num("x", mean=50, std=30, present=5))
    assert "mean" not in noisy.changes
    assert mean_shift_significant(_num("x", mean=56), _num("x", mean=50))


def test_a_slightly_higher_maximum_is_not_highlighted_a_far_one_is() -> None:
    assert "max" not in _one(_num("x", mean=50, high=110), _num("x", mean=50, high=100)).changes
    assert "max" in _one(_num("x", mean=50, high=150), _num("x", mean=50, high=100)).changes


def test_the_partition_column_is_never_highlighted() -> None:
    # A day number as the partition column (the ds's day of the month): 5 -> 6.
    now, before = _num("day", mean=6, std=0.0, low=6, high=6, type_name="INT"), \
        _num("day", mean=5, std=0.0, low=5, high=5, type_name="INT")
    assert _one(now, before).changes  # as an ordinary column, the moved day would be flagged
    item = _one(now, before, partition_columns=("day",))
    assert item.kind == "partition" and item.changes == frozenset()


def test_id_like_features_are_recognised_and_not_highlighted_for_moving() -> None:
    assert id_like(_text("session_key_text", unique=990))  # 99% distinct
    assert id_like(_text("user_id", unique=700))  # named like an ID, 70% distinct
    assert not id_like(_text("country", unique=8))
    assert not id_like(_text("comment", unique=700))  # 70% distinct but not named like an ID
    assert not id_like(_text("user_id", unique=10, present=10))  # too few values to say
    assert id_like(FeatureSummary("account_id", "INT", 0.0, minimum=1, maximum=9))
    item = _one(_text("user_id", unique=990), _text("user_id", unique=500))
    assert item.kind == "id" and item.changes == frozenset()  # unique moved 98%: not flagged
    assert _one(_text("name", unique=600), _text("name", unique=300)).changes == {"unique"}


def test_timestamps_are_recognised_by_value_or_name_and_keep_only_missing_highlights() -> None:
    day = 1_793_923_200  # 2026-11-06 in epoch seconds
    now = _num("created", mean=day + 43_200, low=day, high=day + 86_399, type_name="INT")
    before = _num("created", mean=day - 43_200, low=day - 86_400, high=day - 1, type_name="INT")
    item = _one(now, before)
    assert item.kind == "timestamp" and item.changes == frozenset()
    assert feature_kind("updated_at", _num("updated_at", mean=3), ()) == "timestamp"
    assert feature_kind("seconds", _num("seconds", mean=3), (), time_columns=("seconds",)) == \
        "timestamp"
    assert feature_kind("age", _num("age", mean=3), ()) == ""
