"""Which engine runs: `auto` picks the fast engine for local files, and the fast engine hands
what it cannot compute (nested columns) to TFDV's generators instead of guessing."""

from __future__ import annotations

import pathlib

import pyarrow as pa
import pyarrow.parquet as pq
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.conftest import REPO
from validator.config.job import LocalSource
from validator.engines import AUTO_BEAM_ROWS, build_engine, pick
from validator.engines.fast import FastEngine
from validator.engines.progress import Progress
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource

DATAFLOW = ["--runner=DataflowRunner"]


def test_auto_picks_fast_for_local_files_and_beam_only_for_huge_remote_runs() -> None:
    assert pick("auto", [], 2000) == "fast"
    assert pick("auto", [], None) == "fast"  # e.g. a BigQuery partition of unknown size
    assert pick("auto", DATAFLOW, AUTO_BEAM_ROWS + 1) == "beam"
    assert pick("fast", DATAFLOW, AUTO_BEAM_ROWS + 1) == "fast"  # asked for by name


def test_build_engine_auto_on_the_sample_data_is_the_fast_engine() -> None:
    source = LocalFileSource(LocalSource(kind="local", path="sample_data/training_events",
                                         format="parquet"), REPO)
    assert isinstance(build_engine("auto", [], source.plan(None)), FastEngine)


def test_nested_columns_are_computed_by_tfdvs_generators(tmp_path: pathlib.Path) -> None:
    rows = pa.array([{"x": 1.5, "y": "a"}, None, {"x": 2.5, "y": "b"}],
                    pa.struct([("x", pa.float64()), ("y", pa.string())]))
    pq.write_table(pa.table({"st": rows, "n": [1, 2, 3]}), tmp_path / "part.parquet")
    schema = text_format.Parse('feature { name: "n" type: INT }', schema_pb2.Schema())
    source = LocalFileSource(LocalSource(kind="local", path=str(tmp_path), format="parquet"),
                             tmp_path)
    read = ReadStats()
    stats = FastEngine(workers=1).compute(source, source.plan(None), schema, read,
                                          Progress("t", enabled=False))
    assert "struct" in read.extra["fast_fallback"]
    paths = {".".join(f.path.step) for f in stats.datasets[0].features}
    assert {"n", "st", "st.x", "st.y"} <= paths  # TFDV's nested paths: the reference ran
    assert stats.datasets[0].num_examples == 3
