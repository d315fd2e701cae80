"""Unparseable-value counts: merging them across processes, attaching them to statistics.

Owns, TensorFlow-free (the fast engine must not import TFDV): merging counts from shards
(counts add up, at most MAX_EXAMPLES distinct examples kept) and recording them as custom
stats of their feature, which validation turns into UNEXPECTED_DATA_TYPE findings.
The custom-stat names are the ones validator.stats.accumulate defines (the same strings;
tests/component/engines/test_fast_core_agreement.py checks they stay equal).
"""

from __future__ import annotations

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.stats.convert import MAX_EXAMPLES, InvalidValues

INVALID_COUNT = "dqv_invalid_values"
INVALID_EXAMPLES = "dqv_invalid_examples"
INVALID_EXPECTED = "dqv_expected_type"


def merge_invalid(into: dict[str, InvalidValues], other: dict[str, InvalidValues]) -> None:
    for name, values in other.items():
        mine = into.setdefault(name, InvalidValues(values.expected))
        mine.count += values.count
        for example in values.examples:
            if len(mine.examples) < MAX_EXAMPLES and example not in mine.examples:
                mine.examples.append(example)


def attach_invalid_values(stats: statistics_pb2.DatasetFeatureStatisticsList,
                          invalid: dict[str, InvalidValues]) -> None:
    """Record values that did not parse as custom stats of their feature (features keyed
    parent.child when nested), adding the feature when no value of it parsed."""
    if not stats.datasets:
        stats.datasets.add()
    dataset = stats.datasets[0]
    by_name = {".".join(f.path.step) if f.path.step else f.name: f for f in dataset.features}
    for name, values in sorted(invalid.items()):
        feature = by_name.get(name)
        if feature is None:
            feature = dataset.features.add()
            feature.path.step.extend(name.split("."))
        feature.custom_stats.add(name=INVALID_COUNT, num=values.count)
        feature.custom_stats.add(name=INVALID_EXPECTED, str=values.expected)
        feature.custom_stats.add(name=INVALID_EXAMPLES,
                                 str=", ".join(repr(e) for e in values.examples))
