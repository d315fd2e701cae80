"""`dqv schema infer` drafts a schema for review: TFDV's inferred schema (types, presence,
string domains for low-cardinality features) plus proposals from the observed statistics, each
marked in a comment: value ranges with a margin for numeric features, an L-infinity drift
comparator for categorical features and a Jensen-Shannon one for numeric features.

Pure: statistics and schemas in, text out. Only protobuf and tensorflow_metadata.
"""

from __future__ import annotations

import dataclasses
import difflib
import math

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.core.timestamps import looks_like_timestamp

MARGIN = 0.1  # of the observed range, on each side
DRIFT_THRESHOLD = 0.1
PRESENCE_MARGIN = 0.05  # below the observed fraction of rows that have the feature


@dataclasses.dataclass(frozen=True)
class Draft:
    schema: schema_pb2.Schema
    notes: dict[str, list[str]]  # feature -> what was proposed (the comments)
    source: str  # e.g. "ds=2026-11-01 (2000 rows)"

    def to_text(self) -> str:
        """The schema text proto, each feature preceded by its `# PROPOSED:` comments."""
        lines = ["# DRAFT by `dqv schema infer` from " + self.source + ": review every proposal",
                 "# below before committing; ranges, presence, domains and drift thresholds",
                 "# come from one day of data, not from what the data should be.", ""]
        for feature in self.schema.feature:
            for note in self.notes.get(feature.name, []):
                lines.append(f"# PROPOSED ({feature.name}): {note}")
            body = text_format.MessageToString(feature).rstrip("\n")
            lines += ["feature {", *("  " + line for line in body.splitlines()), "}"]
        rest = schema_pb2.Schema()
        rest.CopyFrom(self.schema)
        del rest.feature[:]
        tail = text_format.MessageToString(rest)
        return "\n".join(lines) + "\n" + tail


def _observed(stats: statistics_pb2.DatasetFeatureStatisticsList
              ) -> dict[str, statistics_pb2.FeatureNameStatistics]:
    if not stats.datasets:
        return {}
    return {".".join(f.path.step) or f.name: f for f in stats.datasets[0].features}


def _range(feature: schema_pb2.Feature, stat: statistics_pb2.FeatureNameStatistics) -> str | None:
    num = stat.num_stats
    if not num.common_stats.num_non_missing:
        return None
    low, high = num.min, num.max
    if looks_like_timestamp(feature.name, low):
        # Event times grow every day: a range learned from one day blocks the next one.
        return "no range proposed: the values look like timestamps"
    margin = (high - low) * MARGIN or max(abs(high) * MARGIN, 1.0)
    lo, hi = low - margin, high + margin
    if low >= 0 > lo:
        lo = 0.0  # never propose negative values for data that has none
    if feature.type == schema_pb2.INT:
        feature.int_domain.min, feature.int_domain.max = math.floor(lo), math.ceil(hi)
        shown = f"[{feature.int_domain.min}, {feature.int_domain.max}]"
    elif feature.type == schema_pb2.FLOAT:
        feature.float_domain.min, feature.float_domain.max = round(lo, 6), round(hi, 6)
        shown = f"[{feature.float_domain.min:g}, {feature.float_domain.max:g}]"
    else:
        return None
    return f"range {shown} (observed [{low:g}, {high:g}] plus a {MARGIN:.0%} margin)"


def _presence(feature: schema_pb2.Feature, stat: statistics_pb2.FeatureNameStatistics,
              rows: int) -> str:
    which = stat.WhichOneof("stats")
    common = getattr(stat, which).common_stats if which in ("num_stats", "string_stats") else None
    seen = common.num_non_missing / rows if common is not None else 1.0
    if seen >= 1.0:
        feature.presence.min_fraction = 1.0
        return "presence: always present (min_fraction 1)"
    proposed = max(0.0, math.floor((seen - PRESENCE_MARGIN) * 100) / 100)
    feature.presence.min_fraction = proposed
    return f"presence min_fraction {proposed:g} (observed {seen:.3f}, less {PRESENCE_MARGIN:g})"


def draft(inferred: schema_pb2.Schema, stats: statistics_pb2.DatasetFeatureStatisticsList,
          source: str) -> Draft:
    """TFDV's inferred schema with ranges and drift comparators proposed from `stats`."""
    schema = schema_pb2.Schema()
    schema.CopyFrom(inferred)
    observed = _observed(stats)
    categorical = {d.name for d in schema.string_domain}
    notes: dict[str, list[str]] = {}
    rows = stats.datasets[0].num_examples if stats.datasets else 0
    for feature in schema.feature:
        said = notes.setdefault(feature.name, [])
        stat = observed.get(feature.name)
        if stat is not None and rows:
            said.append(_presence(feature, stat, rows))
        if stat is not None and stat.HasField("num_stats") and not feature.HasField("bool_domain"):
            shown = _range(feature, stat)
            if shown:
                said.append(shown)
            feature.drift_comparator.jensen_shannon_divergence.threshold = DRIFT_THRESHOLD
            said.append(f"drift: Jensen-Shannon divergence above {DRIFT_THRESHOLD:g}")
        elif feature.domain in categorical or feature.HasField("string_domain"):
            said.append("string domain: the values observed (low cardinality)")
            feature.drift_comparator.infinity_norm.threshold = DRIFT_THRESHOLD
            said.append(f"drift: L-infinity distance above {DRIFT_THRESHOLD:g}")
    return Draft(schema, notes, source)


def unified_diff(before: str, after: str, path: str) -> str:
    """What writing `after` over `before` changes, as a unified diff ("" when nothing)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=f"{path} (current)", tofile=f"{path} (draft)"))
