"""The local engine's workers in a process that runs other threads (as in `dqv serve`).

Forking there could copy a lock another thread holds; the engine then starts its workers from
a forkserver. Either way the statistics must equal the single-process result.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import subprocess
import sys
import threading

import pyarrow.parquet as pq
from google.protobuf import json_format

from tests.conftest import REPO
from validator.config.job import LocalSource
from validator.config.schema_io import load_schema
from validator.engines import local
from validator.engines.progress import Progress
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource

DAY = REPO / "sample_data" / "training_events" / "ds=2026-11-09"  # has unparseable values


def _compute(folder: pathlib.Path, workers: int) -> tuple[dict[str, object], ReadStats]:
    schema = load_schema(REPO / "schemas" / "training_events.pbtxt")
    source = LocalFileSource(LocalSource(kind="local", path=str(folder)), folder,
                             bytes_columns=frozenset(f.name for f in schema.feature))
    read = ReadStats()
    engine = local.LocalEngine(workers=workers, min_parallel_rows=0)
    stats = engine.compute(source, source.plan(dt.date(2026, 11, 9)), schema, read,
                           Progress("t", enabled=False))
    return json_format.MessageToDict(stats), read


def test_workers_started_beside_other_threads_give_the_serial_statistics(tmp_path: pathlib.Path
                                                                         ) -> None:
    pq.write_table(pq.read_table(DAY / "part-000.parquet"), tmp_path / "part-000.parquet",
                   row_group_size=400)
    serial, _ = _compute(tmp_path, workers=1)

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # stands in for serve's threads
    other.start()
    try:
        assert local._process_context().get_start_method() == "forkserver"
        parallel, read = _compute(tmp_path, workers=2)
    finally:
        stop.set()
        other.join()

    assert read.extra["workers"] == 2
    assert read.rows == 2000
    assert parallel["datasets"][0]["numExamples"] == serial["datasets"][0]["numExamples"]
    by_name = lambda d: {".".join(f["path"]["step"]): f for f in d["datasets"][0]["features"]}  # noqa: E731
    ours, theirs = by_name(parallel), by_name(serial)
    assert sorted(ours) == sorted(theirs)
    for name in theirs:  # counts and the unparseable-value stats merge exactly
        assert ours[name].get("numStats", ours[name].get("stringStats", {})).get("commonStats") == \
            theirs[name].get("numStats", theirs[name].get("stringStats", {})).get("commonStats"), name
        assert ours[name].get("customStats") == theirs[name].get("customStats"), name


def test_a_single_threaded_process_forks() -> None:
    code = "from validator.engines import local; print(local._process_context().get_start_method())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "fork"
