"""`dqv schema infer` and `dqv schema diff`: let the data propose, people decide.

Neither command changes the curated schema unless asked (`infer --write`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.cli import render
from validator.config.job import Job
from validator.config.schema_io import load_schema, schema_to_text, write_schema
from validator.errors import ConfigError
from validator.sources.base import ReadStats
from validator.stats.tfdv_runtime import import_tfdv
from validator.stats.view import feature_name

log = logging.getLogger("dqv")
_TYPE = schema_pb2.FeatureType.Name


def _curated_or_empty(job: Job) -> schema_pb2.Schema:
    try:
        return load_schema(job.schema_path)
    except ConfigError:
        if job.schema_path.exists():
            raise
        return schema_pb2.Schema()  # no schema yet: types come from the files


def data_statistics(job: Job, ds: dt.date | None, schema: schema_pb2.Schema
                    ) -> statistics_pb2.DatasetFeatureStatisticsList:
    from validator.run.runner import build_source
    from validator.stats.accumulate import StatisticsAccumulator
    from validator.stats.convert import BatchConverter

    source = build_source(job, schema)
    converter = BatchConverter(schema)
    accumulator = StatisticsAccumulator(schema)
    for batch in source.read(ds, ReadStats()):
        accumulator.add(converter.convert(batch))
    return accumulator.result()


def infer(job: Job, ds: dt.date | None) -> schema_pb2.Schema:
    tfdv = import_tfdv()
    stats = data_statistics(job, ds, _curated_or_empty(job))
    return tfdv.infer_schema(stats)


def infer_command(job: Job, ds: dt.date | None, *, write: bool) -> int:
    schema = infer(job, ds)
    if write:
        write_schema(schema, job.schema_path)
        log.info("wrote %s; review it before committing", job.schema_path)
    else:
        print(schema_to_text(schema), end="")
    return 0


@dataclasses.dataclass(frozen=True)
class Suggestion:
    feature: str
    kind: str
    detail: str


def _domain_values(schema: schema_pb2.Schema, feature: schema_pb2.Feature) -> set[str] | None:
    if feature.HasField("string_domain"):
        return set(feature.string_domain.value)
    if feature.HasField("domain"):
        for domain in schema.string_domain:
            if domain.name == feature.domain:
                return set(domain.value)
    return None


def diff(curated: schema_pb2.Schema, inferred: schema_pb2.Schema,
         stats: statistics_pb2.DatasetFeatureStatisticsList) -> list[Suggestion]:
    """Pure: compare the curated schema with what the data shows."""
    have = {f.name: f for f in curated.feature}
    seen = {f.name: f for f in inferred.feature}
    observed = {feature_name(f): f for d in stats.datasets for f in d.features}
    out: list[Suggestion] = []
    for name in sorted(set(seen) - set(have)):
        out.append(Suggestion(name, "new_feature", f"in the data as {_TYPE(seen[name].type)}, "
                                                   "not in the schema"))
    for name in sorted(set(have) - set(seen)):
        out.append(Suggestion(name, "absent_feature", "in the schema, not in the data"))
    for name in sorted(set(have) & set(seen)):
        want, got = have[name], seen[name]
        if want.type != got.type:
            out.append(Suggestion(name, "type", f"schema says {_TYPE(want.type)}, data looks "
                                                f"like {_TYPE(got.type)}"))
        domain = _domain_values(curated, want)
        values = _domain_values(inferred, got)
        if domain is not None and values:
            extra = sorted(values - domain)
            if extra:
                out.append(Suggestion(name, "domain", "values not in the domain: "
                                      + ", ".join(repr(v) for v in extra[:10])))
        stat = observed.get(name)
        if stat is not None and stat.HasField("num_stats"):
            low, high = stat.num_stats.min, stat.num_stats.max
            bounds = want.int_domain if want.HasField("int_domain") else (
                want.float_domain if want.HasField("float_domain") else None)
            if bounds is not None and ((bounds.HasField("min") and low < bounds.min)
                                       or (bounds.HasField("max") and high > bounds.max)):
                out.append(Suggestion(name, "range", f"observed [{low:g}, {high:g}] is outside "
                                                     "the schema's domain"))
    return out


def diff_command(job: Job, ds: dt.date | None, *, as_json: bool) -> int:
    tfdv = import_tfdv()
    curated = load_schema(job.schema_path)
    stats = data_statistics(job, ds, curated)
    suggestions = diff(curated, tfdv.infer_schema(stats), stats)
    if as_json:
        print(json.dumps([dataclasses.asdict(s) for s in suggestions], indent=2))
    elif suggestions:
        print(render.table(["FEATURE", "SUGGESTS", "DETAIL"],
                           [(s.feature, s.kind, s.detail) for s in suggestions]))
    else:
        print("the data suggests nothing the curated schema does not already say")
    return 0
