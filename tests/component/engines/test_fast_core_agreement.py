"""The fast core's statistics agree with TFDV's generators (the `local` engine) on the same
batches, and with the exact answer computed from the data where TFDV's own sketches estimate.

Tolerances, and why:
- counts (examples, missing, values per row, zeros, NaN, invalid values), min, max, types,
  value-count histograms: exact.
- mean, std_dev, avg_length, histogram weights: 1e-9 relative (sums over differently sized
  batches round differently in the last bit).
- quantiles (median, QUANTILES boundaries): within rank error 0.01 of the exact data (TFDV's
  default epsilon; the fast core keeps every value up to 2**17 per feature, then a sample).
  On the sample days (2000 rows) both are exact, so the histograms must equal TFDV's.
- STANDARD (equal-width) buckets: TFDV interpolates them from 1000 quantiles; within 0.03 x n
  of the exact bucket counts.
- top values / rank histogram: exact counts against the data; against TFDV (exact only up to
  its 1024 Misra-Gries counters) equal up to ties on the lowest listed count, as in
  tests/component/test_statistics_match_tfdv.py.
- uniques: exact up to 65536 distinct values; beyond, a KMV estimate within 3% of exact.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from tests.conftest import REPO
from validator.config.schema_io import load_schema
from validator.stats.fast_counts import EXACT_DISTINCT, HEAVY_COUNTERS
from validator.stats.fast_stats import FastStatistics

SCHEMA = REPO / "schemas" / "training_events.pbtxt"
DAYS = REPO / "sample_data" / "training_events"
EPSILON = 0.01
Stats = dict[str, Any]


def _tfdv(batches: list[pa.RecordBatch], schema: schema_pb2.Schema
          ) -> tuple[statistics_pb2.DatasetFeatureStatisticsList, dict[str, Any], list[pa.RecordBatch]]:
    from validator.stats.accumulate import StatisticsAccumulator
    from validator.stats.convert import BatchConverter

    converter = BatchConverter(schema)
    accumulator = StatisticsAccumulator(schema)
    typed = [converter.convert(b) for b in batches]
    for batch in typed:
        accumulator.add(batch)
    return accumulator.result(), converter.invalid_values(), typed


def _fast(batches: list[pa.RecordBatch], schema: schema_pb2.Schema
          ) -> tuple[statistics_pb2.DatasetFeatureStatisticsList, dict[str, Any]]:
    core = FastStatistics(schema)
    for batch in batches:
        core.add(batch)
    return core.result(), core.invalid_values()


def _features(stats: statistics_pb2.DatasetFeatureStatisticsList) -> dict[str, Stats]:
    return {".".join(f.path.step): json_format.MessageToDict(f) for f in stats.datasets[0].features}


def _flat(typed: list[pa.RecordBatch], name: str) -> pa.Array:
    """A feature's values as TFDV sees them (after dqv's conversion), nulls dropped."""
    lists = pa.concat_arrays([b.column(b.schema.get_field_index(name)) for b in typed])
    return lists.flatten().drop_null()


def _assert_close(ours: object, theirs: object, where: str, skip: tuple[str, ...]) -> None:
    if where.endswith(skip):
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs), where
        for key in theirs:
            _assert_close(ours[key], theirs[key], f"{where}.{key}", skip)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_close(a, b, f"{where}[{i}]", skip)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), where
    else:
        assert ours == theirs, where


def _assert_ranking(ours: list[Stats], theirs: list[Stats], where: str) -> None:
    """Equal counts in rank order; equal values except among ties on the lowest count."""
    assert [o["frequency"] for o in ours] == [t["frequency"] for t in theirs], where
    lowest = min((t["frequency"] for t in theirs), default=0)
    assert {o.get("value", ""): o["frequency"] for o in ours if o["frequency"] != lowest} == \
        {t.get("value", ""): t["frequency"] for t in theirs if t["frequency"] != lowest}, where


def _assert_exact_top(strings: Stats, values: pa.Array, where: str) -> None:
    """Top values carry the exact counts of the data, highest first."""
    counted = pc.value_counts(values).to_pylist()
    exact = {(v.decode() if isinstance(v, bytes) else str(v)): c
             for v, c in ((d["values"], d["counts"]) for d in counted)}
    frequencies = sorted(exact.values(), reverse=True)
    top = strings["topValues"]
    assert [t["frequency"] for t in top] == frequencies[:len(top)], where
    assert all(exact[t.get("value", "")] == t["frequency"] for t in top), where
    assert int(strings["unique"]) == len(exact), where


def _assert_rank_error(numeric: Stats, values: np.ndarray, where: str) -> None:
    """Median and QUANTILES boundaries sit within EPSILON of their target ranks."""
    exact = np.sort(values.astype(np.float64))
    n = exact.size

    def assert_rank(value: float, target: float, label: str) -> None:
        low = np.searchsorted(exact, value, side="left") / n
        high = np.searchsorted(exact, value, side="right") / n
        assert low - EPSILON <= target <= high + EPSILON, f"{where}.{label}"

    assert_rank(float(numeric.get("median", 0.0)), 0.5, "median")
    quantiles = numeric["histograms"][1]
    bounds = [float(b.get("highValue", 0.0)) for b in quantiles["buckets"]]
    for i, bound in enumerate(bounds[:-1], start=1):
        assert_rank(bound, i / len(bounds), f"quantiles[{i}]")


def _assert_standard_like(ours: Stats, theirs: Stats, n: int, where: str) -> None:
    """Equal-width buckets: the same edges (from the exact min and max) and weights within
    0.03 x n of TFDV's (both interpolate quantile buckets; for discrete values even TFDV's
    weights differ from the exact counts, so TFDV's are the reference here)."""
    mine, reference = ours["histograms"][0]["buckets"], theirs["histograms"][0]["buckets"]
    assert len(mine) == len(reference), where
    for a, b in zip(mine, reference, strict=True):
        assert (a.get("lowValue"), a.get("highValue")) == (b.get("lowValue"), b.get("highValue"))
        assert abs(a.get("sampleCount", 0.0) - b.get("sampleCount", 0.0)) <= 0.03 * n, where


@pytest.mark.parametrize("day", ["2026-11-03", "2026-11-09", "2026-11-10"])
def test_sample_days_give_tfdvs_statistics(day: str) -> None:
    schema = load_schema(SCHEMA)
    batches = list(pq.ParquetFile(DAYS / f"ds={day}" / "part-000.parquet").iter_batches(512))
    expected, expected_invalid, typed = _tfdv(batches, schema)
    actual, invalid = _fast(batches, schema)

    assert len(batches) > 1  # merging across batches is part of what is compared
    assert actual.datasets[0].num_examples == expected.datasets[0].num_examples == 2000
    assert {k: (v.count, v.examples) for k, v in invalid.items()} == \
        {k: (v.count, v.examples) for k, v in expected_invalid.items()}
    ours, theirs = _features(actual), _features(expected)
    assert sorted(ours) == sorted(theirs)
    for name, feature in theirs.items():
        # Both exact on 2000 rows: histograms and medians must be TFDV's to 1e-9.
        _assert_close(ours[name], feature, name, skip=("topValues", "rankHistogram"))
        strings = ours[name].get("stringStats")
        if strings:
            _assert_exact_top(strings, _flat(typed, name), name)
            if int(feature["stringStats"]["unique"]) <= 1000:  # TFDV's Misra-Gries is exact
                _assert_ranking(strings["topValues"], feature["stringStats"]["topValues"], name)
                assert strings["rankHistogram"] == feature["stringStats"]["rankHistogram"]
    if day == "2026-11-09":
        assert invalid["cart_value"].count == 1191  # every cart_value is "$…" that day


def _synthetic(rows: int, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    floats = rng.normal(50.0, 10.0, rows)
    floats[rng.random(rows) < 0.01] = np.nan
    floats[:3] = [np.inf, -np.inf, 0.0]
    prices = np.char.mod("%.2f", rng.gamma(2.0, 20.0, rows)).astype(object)
    prices[rng.random(rows) < 0.02] = "$9.99"  # unparseable as FLOAT
    prices[rng.random(rows) < 0.02] = ""  # blank: missing
    prices[rng.random(rows) < 0.02] = None
    counts = rng.integers(0, 5, rows).astype(float)
    counts[rng.random(rows) < 0.05] = np.nan
    texts = rng.integers(-3, 40, rows).astype(str).astype(object)
    texts[rng.random(rows) < 0.01] = "4.5"  # not a whole number: unparseable as INT
    categories = np.array([f"c{i:02d}" for i in range(30)] + [""], dtype=object)
    ids = np.char.mod("user-%x", rng.integers(0, 1 << 40, rows)).astype(object)
    ids[rng.random(rows) < 0.05] = "anonymous"  # one heavy hitter among near-unique ids
    big = np.array(["small", "x" * 2000, "other"], dtype=object)[rng.integers(0, 3, rows)]
    lengths = rng.integers(0, 4, rows)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets),
                                     pa.array(rng.integers(0, 100, int(offsets[-1]))))
    return pa.table({
        "f_float": pa.array(floats, mask=rng.random(rows) < 0.03),
        "f_price": pa.array(prices, pa.string()),
        "i_count": pa.array(np.nan_to_num(counts).astype(np.int64), mask=np.isnan(counts)),
        "i_text": pa.array(texts, pa.string()),
        "s_cat": pa.array(categories[rng.integers(0, 31, rows)], pa.string(),
                          mask=rng.random(rows) < 0.05),
        "s_id": pa.array(ids, pa.string()),
        "s_big": pa.array(big, pa.string()),
        # null lists are missing; empty lists are present with 0 values
        "l_ints": _null_some(lists, rng.random(rows) < 0.1),
        "b_flag": pa.array(rng.integers(0, 2, rows), mask=rng.random(rows) < 0.02),
        "extra_unlisted": pa.array(rng.integers(0, 7, rows)),
    })


def _null_some(lists: pa.ListArray, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, lists.type), lists)


def _synthetic_schema() -> schema_pb2.Schema:
    schema = schema_pb2.Schema()
    for name, kind in [("f_float", schema_pb2.FLOAT), ("f_price", schema_pb2.FLOAT),
                       ("i_count", schema_pb2.INT), ("i_text", schema_pb2.INT),
                       ("s_cat", schema_pb2.BYTES), ("s_id", schema_pb2.BYTES),
                       ("s_big", schema_pb2.BYTES), ("l_ints", schema_pb2.INT)]:
        schema.feature.add(name=name, type=kind)
    schema.feature.add(name="b_flag", type=schema_pb2.INT).bool_domain.SetInParent()
    return schema


ROWS = 300_000  # above 2**17 values per feature (sampled quantiles) and 65536 distinct ids


@pytest.fixture(scope="module")
def synthetic() -> tuple[Any, ...]:
    table = _synthetic(ROWS)
    batches = table.to_batches(max_chunksize=65_536)
    schema = _synthetic_schema()
    expected, expected_invalid, typed = _tfdv(batches, schema)
    actual, invalid = _fast(batches, schema)
    return expected, expected_invalid, typed, actual, invalid


def test_synthetic_counts_moments_and_invalid_values_equal_tfdv(synthetic: tuple[Any, ...]) -> None:
    expected, expected_invalid, _, actual, invalid = synthetic
    assert actual.datasets[0].num_examples == expected.datasets[0].num_examples == ROWS
    assert {k: (v.count, v.examples) for k, v in invalid.items()} == \
        {k: (v.count, v.examples) for k, v in expected_invalid.items()}
    assert set(invalid) == {"f_price", "i_text"} and invalid["f_price"].examples == ["$9.99"]
    ours, theirs = _features(actual), _features(expected)
    assert sorted(ours) == sorted(theirs)
    approximate = ("median", "histograms", "topValues", "rankHistogram", "unique")
    for name, feature in theirs.items():
        _assert_close(ours[name], feature, name, skip=approximate)


def test_synthetic_quantiles_within_rank_error(synthetic: tuple[Any, ...]) -> None:
    expected, _, typed, actual, _ = synthetic
    ours, theirs = _features(actual), _features(expected)
    for name in ("f_float", "f_price", "i_count", "i_text", "l_ints", "extra_unlisted"):
        values = np.asarray(_flat(typed, name).to_numpy(zero_copy_only=False))
        values = values[~np.isnan(values)] if values.dtype.kind == "f" else values
        assert values.size > 1 << 17 or name == "l_ints"  # the sampled path is what is tested
        _assert_rank_error(ours[name]["numStats"], values, name)
        _assert_rank_error(theirs[name]["numStats"], values, f"{name} (TFDV)")
        _assert_standard_like(ours[name]["numStats"], theirs[name]["numStats"], values.size, name)
        nan = ours[name]["numStats"]["histograms"][0].get("numNan", 0)
        assert nan == theirs[name]["numStats"]["histograms"][0].get("numNan", 0), name


def test_synthetic_top_values_and_uniques(synthetic: tuple[Any, ...]) -> None:
    expected, _, typed, actual, _ = synthetic
    ours, theirs = _features(actual), _features(expected)
    for name in ("s_cat", "s_big", "b_flag"):
        strings = ours[name]["stringStats"]
        values = _flat(typed, name)
        if name == "s_big":  # TFDV lists values over 1024 bytes under one placeholder
            values = pc.if_else(pc.greater(pc.binary_length(values), 1024),
                                pa.scalar(b"__LARGE_BYTES__", values.type), values)
        _assert_exact_top(strings, values, name)
        _assert_ranking(strings["topValues"], theirs[name]["stringStats"]["topValues"], name)
        assert strings["avgLength"] == pytest.approx(theirs[name]["stringStats"]["avgLength"])
    # Near-unique ids: more distinct values than the exact counter keeps.
    ids = _flat(typed, "s_id")
    distinct = len(pc.unique(ids))
    assert distinct > EXACT_DISTINCT
    assert int(ours["s_id"]["stringStats"]["unique"]) == pytest.approx(distinct, rel=0.03)
    assert int(theirs["s_id"]["stringStats"]["unique"]) == pytest.approx(distinct, rel=0.03)
    top = ours["s_id"]["stringStats"]["topValues"][0]
    heavy = int(pc.sum(pc.equal(ids, b"anonymous")).as_py())
    assert top.get("value") == "anonymous"
    assert heavy - ROWS / HEAVY_COUNTERS <= top["frequency"] <= heavy  # Misra-Gries bound


def test_fast_engine_imports_no_tensorflow_and_splits_like_serial(tmp_path: pathlib.Path) -> None:
    """Two forked workers over row groups give the serial statistics (2000 rows: exact), and
    the whole computation runs without importing TensorFlow."""
    day = tmp_path / "ds=2026-11-09"
    day.mkdir()
    pq.write_table(pq.read_table(DAYS / "ds=2026-11-09" / "part-000.parquet"),
                   day / "part-000.parquet", row_group_size=400)
    code = f"""
import datetime as dt, json, pathlib, sys
from google.protobuf import json_format
from validator.config.job import LocalSource
from validator.config.schema_io import load_schema
from validator.engines.fast import FastEngine
from validator.engines.progress import Progress
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource
schema = load_schema(pathlib.Path({str(SCHEMA)!r}))
source = LocalFileSource(LocalSource(kind="local", path={str(tmp_path)!r}), pathlib.Path("."),
                         bytes_columns=frozenset(f.name for f in schema.feature))
out = {{}}
for workers in (1, 2):
    read = ReadStats()
    stats = FastEngine(workers=workers, min_parallel_rows=0).compute(
        source, source.plan(dt.date(2026, 11, 9)), schema, read, Progress("t", enabled=False))
    out[workers] = {{"stats": json_format.MessageToDict(stats), "rows": read.rows,
                    "workers": read.extra["workers"]}}
out["tensorflow"] = "tensorflow" in sys.modules
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["tensorflow"] is False
    serial, parallel = out["1"], out["2"]
    assert (serial["workers"], parallel["workers"]) == (1, 2)
    assert serial["rows"] == parallel["rows"] == 2000
    # same statistics; floats to 1e-9 (the merge adds the shards' sums in another order)
    _assert_close(parallel["stats"], serial["stats"], "parallel", skip=())
    features = {".".join(f["path"]["step"]): f for f in parallel["stats"]["datasets"][0]["features"]}
    custom = {c["name"]: c for c in features["cart_value"]["customStats"]}
    assert custom["dqv_invalid_values"]["num"] == 1191  # merged across the two workers


def test_invalid_value_stat_names_match_validation() -> None:
    from validator.stats import accumulate, invalid

    assert (invalid.INVALID_COUNT, invalid.INVALID_EXAMPLES, invalid.INVALID_EXPECTED) == \
        (accumulate.INVALID_COUNT, accumulate.INVALID_EXAMPLES, accumulate.INVALID_EXPECTED)


def test_dictionary_encoded_text_gives_the_same_statistics() -> None:
    """The fast engine reads text columns with small Parquet dictionaries as Arrow dictionaries
    and counts codes: the statistics must be those of the plain strings."""
    table = _synthetic(70_000, seed=5)
    schema = _synthetic_schema()
    plain, _ = _fast(table.to_batches(max_chunksize=16_384), schema)
    for name in ("s_cat", "s_big"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.dictionary_encode(table[name]))
    assert pa.types.is_dictionary(table.schema.field("s_cat").type)
    encoded, _ = _fast(table.to_batches(max_chunksize=16_384), schema)
    assert _features(encoded)["s_cat"] == _features(plain)["s_cat"]
    assert _features(encoded)["s_big"] == _features(plain)["s_big"]
