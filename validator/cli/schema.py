"""`dqv schema infer` and `dqv schema diff`: let the data propose, people decide.

Neither command changes the curated schema unless asked: `infer` prints a draft for review
(validator/config/schema_draft.py); `infer --write` writes it to the job's schema path, prints
the unified diff of what changes, and replaces an existing file only with `--force`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.cli import render
from validator.config import schema_draft
from validator.config.job import Job
from validator.config.schema_io import load_schema
from validator.errors import ConfigError
from validator.sources.base import ReadStats
from validator.stats.tfdv_runtime import import_tfdv
from validator.stats.view import feature_name
from validator.validation.explain import domain_values

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


def infer(job: Job, ds: dt.date | None) -> schema_draft.Draft:
    tfdv = import_tfdv()
    stats = data_statistics(job, ds, _curated_or_empty(job))
    rows = stats.datasets[0].num_examples if stats.datasets else 0
    where = f"ds={ds.isoformat()}" if ds else "the whole source"
    return schema_draft.draft(tfdv.infer_schema(stats), stats, f"{where} ({rows} rows)")


def infer_command(job: Job, ds: dt.date | None, *, write: bool, force: bool = False) -> int:
    text = infer(job, ds).to_text()
    if not write:
        print(text, end="")
        return 0
    path = job.schema_path
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    changes = schema_draft.unified_diff(before, text, str(path))
    print(changes or f"{path}: the draft changes nothing", end="" if changes else "\n")
    if path.exists() and not force:
        raise ConfigError("refusing to replace the curated schema with the draft (the diff is "
                          "above); review it, then run again with --force", file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    log.info("wrote %s; review the PROPOSED comments before committing", path)
    return 0


@dataclasses.dataclass(frozen=True)
class Suggestion:
    feature: str
    kind: str
    detail: str


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
        domain = domain_values(curated, want)
        values = domain_values(inferred, got)
        if domain is not None and values:
            extra = sorted(set(values) - set(domain))
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
