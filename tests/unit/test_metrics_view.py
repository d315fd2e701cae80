"""Metrics read off a statistics proto (validator/stats/metrics_view.py): pure, no TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.stats.metrics_view import fingerprint, non_numeric, partition_metrics

STATS = """
datasets {
  num_examples: 1000
  features { path { step: "age" } type: INT num_stats {
    common_stats { num_non_missing: 950 num_missing: 50 avg_num_values: 1 tot_num_values: 950 }
    mean: 36.5 std_dev: 11 min: 16 max: 90
    histograms { type: QUANTILES
      buckets { low_value: 16 high_value: 30 sample_count: 475 }
      buckets { low_value: 30 high_value: 90 sample_count: 475 } } } }
  features { path { step: "device" } type: STRING string_stats {
    common_stats { num_non_missing: 1000 avg_num_values: 1 tot_num_values: 1000 }
    unique: 3 avg_length: 6.25 top_values { value: "mobile" frequency: 620 } } }
  features { path { step: "tags" } type: STRING string_stats {
    common_stats { num_non_missing: 800 avg_num_values: 2.5 tot_num_values: 2000 }
    unique: 40 avg_length: 4 top_values { value: "x" frequency: 100 } } }
}
"""


def _stats(text: str = STATS) -> statistics_pb2.DatasetFeatureStatisticsList:
    return text_format.Parse(text, statistics_pb2.DatasetFeatureStatisticsList())


def test_dataset_and_feature_metrics() -> None:
    metrics = partition_metrics(_stats(), 12345, event_time="age")
    assert (metrics.rows, metrics.bytes) == (1000, 12345)
    age, device, tags = (metrics.features[n] for n in ("age", "device", "tags"))
    assert age.missing_ratio == 0.05 and age.mean == 36.5 and age.max == 90 and age.distinct is None
    assert device.distinct == 3 and device.top_share == 0.62 and device.avg_length == 6.25
    assert tags.avg_values == 2.5 and tags.missing_ratio == 0.2 and tags.top_share == 100 / 800
    assert metrics.event_quantiles == (16.0, 30.0, 90.0)


def test_fingerprint_is_equal_for_equal_statistics_only() -> None:
    assert fingerprint(_stats()) == fingerprint(_stats())
    assert fingerprint(_stats()) != fingerprint(_stats(STATS.replace("mean: 36.5", "mean: 36.6")))
    assert fingerprint(_stats("datasets { num_examples: 0 }")) is None


def test_event_time_must_be_numeric() -> None:
    assert non_numeric(_stats(), "device") and not non_numeric(_stats(), "age")
    assert not non_numeric(_stats(), "absent")


def test_no_tensorflow_is_imported() -> None:
    code = ("import sys, validator.stats.metrics_view, validator.core.monitors, "
            "validator.core.backtest; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
