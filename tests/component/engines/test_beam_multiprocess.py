"""The Beam engine on DirectRunner with two worker processes
(`--direct_running_mode=multi_processing --direct_num_workers=2`) gives the statistics of the
in-process run: the DoFns and TFDV's combiners are pickled into the `sdk_worker_main`
subprocesses, the runner splits each stage's input between them, and the partial statistics
and unparseable-value counts are merged across workers.

What may differ, and why: float sums in another order (mean, std dev: last bits); which
values of a near-unique string column the top-k sketch keeps when all counts tie, and its
estimates there (TFDV's Misra-Gries sketch is approximate past its size); which three
unparseable values are kept as examples (the first merged wins). Counts, quantiles,
histograms and the top values of the columns the sketch holds whole must be equal.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import threading
from typing import Any

import pyarrow.parquet as pq
import pytest
from google.protobuf import json_format

from tests.conftest import REPO
from validator.config.job import LocalSource
from validator.config.schema_io import load_schema
from validator.engines.beam import BeamEngine
from validator.engines.progress import Progress
from validator.sources.base import ReadStats
from validator.sources.local import LocalFileSource

DAY = REPO / "sample_data" / "training_events" / "ds=2026-11-09"  # has unparseable values
MULTI_PROCESS = ("--direct_running_mode=multi_processing", "--direct_num_workers=2")
NEAR_UNIQUE = {"user_id", "session_id"}  # more distinct values than the top-k sketch holds


def _compute(folder: pathlib.Path, beam_options: tuple[str, ...]) -> tuple[dict[str, Any], ReadStats]:
    schema = load_schema(REPO / "schemas" / "training_events.pbtxt")
    source = LocalFileSource(LocalSource(kind="local", path=str(folder)), folder,
                             bytes_columns=frozenset(f.name for f in schema.feature))
    read = ReadStats()
    engine = BeamEngine(beam_options=beam_options, work_dir=folder)
    stats = engine.compute(source, source.plan(dt.date(2026, 11, 9)), schema, read,
                           Progress("t", enabled=False))
    return json_format.MessageToDict(stats), read


class _BeamWorkers(threading.Thread):
    """Notes the Beam SDK worker processes this process starts (from /proc)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pids: set[int] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            for proc in pathlib.Path("/proc").glob("[0-9]*"):
                try:
                    ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    cmdline = (proc / "cmdline").read_bytes()
                except (OSError, IndexError, ValueError):
                    continue  # gone meanwhile
                if ppid == os.getpid() and b"apache_beam.runners.worker.sdk_worker_main" in cmdline:
                    self.pids.add(int(proc.name))


def _features(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {".".join(f["path"]["step"]): f for f in stats["datasets"][0]["features"]}


def _without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


@pytest.fixture(scope="module")
def statistics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("beam-multiprocess")
    # 2000 rows in 5 row groups: 5 shards for the workers to share
    pq.write_table(pq.read_table(DAY / "part-000.parquet"), folder / "part-000.parquet",
                   row_group_size=400)
    in_process, _ = _compute(folder, ())
    workers = _BeamWorkers()
    workers.start()
    try:
        multi_process, read = _compute(folder, MULTI_PROCESS)
    finally:
        workers.stop.set()
        workers.join()
    return {"in_process": in_process, "multi_process": multi_process, "read": read,
            "worker_pids": workers.pids}


def test_the_pipeline_ran_in_two_worker_processes(statistics: dict[str, Any]) -> None:
    assert len(statistics["worker_pids"]) == 2, statistics["worker_pids"]
    assert statistics["read"].rows == 2000  # the rows counter, merged across the workers


def test_multi_process_statistics_equal_in_process(statistics: dict[str, Any]) -> None:
    ours, theirs = statistics["multi_process"], statistics["in_process"]
    assert ours["datasets"][0]["numExamples"] == theirs["datasets"][0]["numExamples"] == "2000"
    ours_f, theirs_f = _features(ours), _features(theirs)
    assert sorted(ours_f) == sorted(theirs_f)
    for name, expected in theirs_f.items():
        got = ours_f[name]
        assert got.get("type") == expected.get("type"), name
        if "numStats" in expected:
            num, exp = got["numStats"], expected["numStats"]
            assert _without(num, "mean", "stdDev") == _without(exp, "mean", "stdDev"), name
            for moment in ("mean", "stdDev"):  # absent when 0
                assert num.get(moment, 0.0) == pytest.approx(exp.get(moment, 0.0), rel=1e-9), name
        else:
            string, exp = got["stringStats"], expected["stringStats"]
            assert string["commonStats"] == exp["commonStats"], name
            assert (string["unique"], string["avgLength"]) == (exp["unique"], exp["avgLength"]), name
            if name not in NEAR_UNIQUE:
                assert string["topValues"] == exp["topValues"], name
                assert string["rankHistogram"] == exp["rankHistogram"], name


def test_unparseable_values_merge_across_workers(statistics: dict[str, Any]) -> None:
    custom = lambda stats: {c["name"]: c for c in _features(stats)["cart_value"]["customStats"]}  # noqa: E731
    ours, theirs = custom(statistics["multi_process"]), custom(statistics["in_process"])
    assert ours["dqv_invalid_values"] == theirs["dqv_invalid_values"] == {
        "name": "dqv_invalid_values", "num": 1191.0}
    assert ours["dqv_expected_type"] == theirs["dqv_expected_type"]
    examples = ours["dqv_invalid_examples"]["str"].split(", ")
    assert len(examples) == 3 and all(e.startswith("'$") for e in examples), examples  # e.g. '$77.21'
