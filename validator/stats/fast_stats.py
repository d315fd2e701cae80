"""The fast statistics core: raw Arrow batches in, TFDV's DatasetFeatureStatisticsList out.

Owns: which features the fast core can compute (supported()), folding whole batches (one
Feature accumulator per column, typed by the schema exactly as validator.stats.convert types
them for TFDV), merging accumulators built in other processes, and the final statistics with
the unparseable-value counts. No TensorFlow: only numpy, pyarrow and the protobuf messages.

Semantics are TFDV's (see fast_proto); what differs is how two numbers are obtained:
quantiles from a uniform sample (exact up to 2**17 values per feature, rank error below
TFDV's epsilon 0.01 beyond, fast_sample), and top values / uniques by exact counting (up to
65536 distinct values; TFDV's own sketches are estimates beyond 1024, fast_counts).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import pyarrow as pa
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.errors import DataError
from validator.stats.convert import TYPE_NAMES, InvalidValues, inferred_type
from validator.stats.fast_features import Feature
from validator.stats.fast_proto import feature_statistics
from validator.stats.invalid import merge_invalid

_VALUE_TYPES = (schema_pb2.INT, schema_pb2.FLOAT, schema_pb2.BYTES)
# Schema domains that make TFDV compute other statistics (bytes stats, semantic domains).
_OTHER_DOMAINS = ("image_domain", "natural_language_domain", "mid_domain", "url_domain")


def unsupported(schema: schema_pb2.Schema) -> str | None:
    """Why the fast core cannot stand in for TFDV's generators on this schema, or None."""
    for feature in schema.feature:
        if feature.type not in _VALUE_TYPES:
            return f"feature {feature.name} has type {schema_pb2.FeatureType.Name(feature.type)}"
        if feature.WhichOneof("domain_info") in _OTHER_DOMAINS:
            return f"feature {feature.name} has a {feature.WhichOneof('domain_info')}"
        if feature.type == schema_pb2.BYTES and feature.string_domain.is_categorical:
            return f"feature {feature.name} sets string_domain.is_categorical"
    return None


def unsupported_column(field: pa.Field) -> str | None:
    """Nested columns (structs, maps, lists of lists or of dictionaries) are left to TFDV's
    generators."""
    kind = field.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        kind = kind.value_type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            return f"column {field.name} is a list of lists"
    if pa.types.is_struct(kind) or pa.types.is_map(kind) or (
            pa.types.is_dictionary(kind) and kind is not field.type):
        return f"column {field.name} has type {field.type}"
    return None


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _categorical(feature: schema_pb2.Feature) -> bool:
    """TFDV's schema_util.is_categorical_feature for INT and FLOAT features."""
    if feature.type == schema_pb2.INT:
        return (feature.HasField("int_domain") and feature.int_domain.is_categorical) or \
            feature.WhichOneof("domain_info") in ("bool_domain", "natural_language_domain")
    if feature.type == schema_pb2.FLOAT:
        return feature.HasField("float_domain") and feature.float_domain.is_categorical
    return False


class FastStatistics:
    """Folds raw batches of one partition (or one shard of it) into per-feature accumulators."""

    def __init__(self, schema: schema_pb2.Schema, seed: int = 0) -> None:
        self._types = {f.name: f.type for f in schema.feature if f.type in _VALUE_TYPES}
        self._categorical = {f.name for f in schema.feature if _categorical(f)}
        self.seed = seed
        self.num_examples = 0
        self.features: dict[str, Feature] = {}
        self.invalid: dict[str, InvalidValues] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self.num_examples += batch.num_rows
        for field, column in zip(batch.schema, batch.columns, strict=True):
            reason = unsupported_column(field)
            if reason:
                raise DataError(f"the fast statistics engine cannot read {reason}; "
                                "use engine: local")
            name = field.name
            feature_type = self._types.setdefault(name, inferred_type(column.type))
            feature = self.features.get(name)
            if feature is None:
                # A seed per feature and shard: samples differ between features and shards,
                # yet the same data gives the same statistics on every run.
                feature = self.features[name] = Feature(
                    name, name in self._categorical,
                    seed=zlib.crc32(f"{self.seed}:{name}".encode()))
            invalid = self.invalid.setdefault(name, InvalidValues(TYPE_NAMES[feature_type]))
            if isinstance(column, pa.ChunkedArray):
                column = column.combine_chunks()
            if pa.types.is_dictionary(column.type) and not (
                    feature_type == schema_pb2.BYTES and _is_text(column.type.value_type)):
                column = column.dictionary_decode()  # e.g. numbers as pandas categoricals
            feature.fold(column, feature_type, invalid)

    def merge(self, others: Iterable[FastStatistics]) -> None:
        """Merge accumulators built elsewhere (other shards); features keep first-seen order."""
        for other in others:
            self.num_examples += other.num_examples
            for name, feature in other.features.items():
                mine = self.features.get(name)
                if mine is None:
                    self.features[name] = feature
                else:
                    mine.merge(feature)
            merge_invalid(self.invalid, other.invalid)

    def invalid_values(self) -> dict[str, InvalidValues]:
        return {name: inv for name, inv in self.invalid.items() if inv.count}

    def result(self) -> statistics_pb2.DatasetFeatureStatisticsList:
        statistics = statistics_pb2.DatasetFeatureStatisticsList()
        dataset = statistics.datasets.add(num_examples=self.num_examples)
        for feature in self.features.values():
            dataset.features.add().CopyFrom(feature_statistics(feature, self.num_examples))
        return statistics


def compute_statistics(batches: Iterable[pa.RecordBatch], schema: schema_pb2.Schema
                       ) -> tuple[statistics_pb2.DatasetFeatureStatisticsList,
                                  dict[str, InvalidValues]]:
    """Statistics and unparseable values of some batches, in this process."""
    core = FastStatistics(schema)
    for batch in batches:
        core.add(batch)
    return core.result(), core.invalid_values()
