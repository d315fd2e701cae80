"""dqv's statistics equal TFDV's own, computed on the same rows with the same types.

The reference is `tfdv.generate_statistics_from_csv` with the curated schema in StatsOptions
(TFDV decodes the CSV with the schema's types, as dqv does). Both use dqv's StatsOptions, whose
one extra setting selects the sketch-based top-k that TFDV's in-memory path always uses.
"""

from __future__ import annotations

import datetime as dt
import pathlib

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format

from tests.conftest import REPO
from validator.config.job import LocalSource
from validator.config.schema_io import load_schema
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource
from validator.stats.accumulate import StatisticsAccumulator, stats_options
from validator.stats.convert import BatchConverter
from validator.stats.tfdv_runtime import import_tfdv

SCHEMA = REPO / "schemas" / "training_events.pbtxt"


def _write_csv(ds: str, folder: pathlib.Path) -> pathlib.Path:
    table = pq.read_table(REPO / "sample_data" / "training_events" / f"ds={ds}" / "part-000.parquet")
    # A CSV has no timestamp type: write event_time as epoch seconds, the INT the schema asks for.
    seconds = pc.divide(pc.cast(table["event_time"].combine_chunks().view(pa.int64()), pa.int64()),
                        1_000_000)
    table = table.set_column(table.schema.get_field_index("event_time"), "event_time", seconds)
    path = folder / f"{ds}.csv"
    pacsv.write_csv(table, path)
    # pyarrow writes nulls as empty fields, which TFDV's CSV decoder reads as missing.
    return path


def _by_feature(stats: object) -> dict[str, dict[str, object]]:
    dataset = stats.datasets[0]  # type: ignore[attr-defined]
    return {".".join(f.path.step): json_format.MessageToDict(f) for f in dataset.features}


@pytest.mark.parametrize("ds", ["2026-11-03"])
def test_statistics_equal_tfdv_from_csv(tmp_path: pathlib.Path, ds: str) -> None:
    tfdv = import_tfdv()
    schema = load_schema(SCHEMA)
    csv_path = _write_csv(ds, tmp_path)

    expected = tfdv.generate_statistics_from_csv(str(csv_path), stats_options=stats_options(schema))

    source = LocalFileSource(LocalSource(kind="local", path=str(csv_path), batch_rows=512),
                             tmp_path, bytes_columns=frozenset(f.name for f in schema.feature))
    converter = BatchConverter(schema)
    accumulator = StatisticsAccumulator(schema)
    batches = 0
    for batch in source.read(dt.date.fromisoformat(ds), ReadStats()):
        accumulator.add(converter.convert(batch))
        batches += 1
    actual = accumulator.result()

    assert batches > 1  # merging across batches is part of what is compared
    assert converter.invalid_values() == {}
    assert actual.datasets[0].num_examples == expected.datasets[0].num_examples == 2000
    ours, theirs = _by_feature(actual), _by_feature(expected)
    assert sorted(ours) == sorted(theirs) == sorted(f.name for f in schema.feature)
    for name in sorted(theirs):
        _assert_same(ours[name], theirs[name], name)


def _assert_same(ours: object, theirs: object, where: str) -> None:
    """Exact for counts, types, strings and structure; floats to 1e-9 relative, because
    sums over differently sized batches round differently in the last bit."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs), where
        for key in theirs:
            _assert_same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list) and where.endswith(("topValues", "rankHistogram.buckets")):
        _assert_same_ranking(ours, theirs, where)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), where
    else:
        assert ours == theirs, where


def _assert_same_ranking(ours: object, theirs: list[dict[str, object]], where: str) -> None:
    """Top values and rank histograms list at most N values; values tied on the lowest listed
    count are an arbitrary pick among equals (and ties may come in any order), so: the counts
    in rank order must be equal, and so must every value counted more than the lowest count."""
    assert isinstance(ours, list) and len(ours) == len(theirs), where
    label, count = ("value", "frequency") if where.endswith("topValues") else ("label", "sampleCount")
    assert [o[count] for o in ours] == [t[count] for t in theirs], where
    lowest = min((t[count] for t in theirs), default=0)  # type: ignore[type-var]
    def above(items: list[dict[str, object]]) -> dict[object, object]:
        return {i[label]: i[count] for i in items if i[count] != lowest}
    assert above(ours) == above(theirs), where
