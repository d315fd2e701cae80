"""Statistics engines: how a partition's rows become TFDV statistics.

    fast    dqv's vectorized statistics core in this machine's processes, one per core, no
            TensorFlow (engines/fast.py; TFDV's semantics and output format)
    local   TFDV's generators in this machine's processes, one per core (engines/local.py):
            the reference the fast engine is tested against
    beam    a real Apache Beam pipeline with TFDV's GenerateStatistics: DirectRunner here,
            Dataflow / Flink / Spark by pipeline options (engines/beam.py)
    auto    beam when the partition is large (more than AUTO_BEAM_ROWS rows) and the
            pipeline options name a runner other than the DirectRunner; otherwise fast for
            local files, local for other sources (BigQuery)

Every engine returns the same thing: statistics with the unparseable-value counts attached,
so validation cannot tell which engine ran.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.engines.progress import Progress
from validator.sources.base import ReadStats, Source

log = logging.getLogger("dqv")
AUTO_BEAM_ROWS = 200_000_000  # the local engine does ~1M rows/s on 2 cores: minutes, not hours
ENGINES = ("auto", "fast", "local", "beam")


class StatisticsEngine(Protocol):
    name: str

    def compute(self, source: Source, ds: dt.date | None, schema: schema_pb2.Schema,
                read: ReadStats, progress: Progress) -> statistics_pb2.DatasetFeatureStatisticsList:
        """Read the partition and return its statistics (invalid values attached); fill `read`."""
        ...


def runner_of(beam_options: Sequence[str]) -> str:
    """The runner the pipeline options ask for (DirectRunner when none)."""
    runner = "DirectRunner"
    for i, option in enumerate(beam_options):
        if option.startswith("--runner="):
            runner = option.split("=", 1)[1]
        elif option == "--runner" and i + 1 < len(beam_options):
            runner = beam_options[i + 1]
    return runner


def pick(engine: str, beam_options: Sequence[str], rows: int | None,
         local_files: bool = False) -> str:
    """`auto` -> fast (local files), local or beam. Pure, so the rule is tested without data."""
    if engine != "auto":
        return engine
    remote = runner_of(beam_options).lower() not in ("directrunner", "direct", "prismrunner")
    if remote and rows is not None and rows > AUTO_BEAM_ROWS:
        return "beam"
    return "fast" if local_files else "local"


def build_engine(engine: str, beam_options: Sequence[str], source: Any,
                 ds: dt.date | None) -> StatisticsEngine:
    """The engine a run uses. Imports Beam only when the Beam engine runs."""
    rows = None
    local_files = False
    if engine == "auto":
        from validator.engines.shards import estimated_rows
        from validator.sources.local import LocalFileSource

        rows = estimated_rows(source, ds)
        local_files = isinstance(source, LocalFileSource)
    chosen = pick(engine, beam_options, rows, local_files)
    log.debug("engine %s -> %s (estimated rows: %s)", engine, chosen, rows)
    if chosen == "beam":
        from validator.engines.beam import BeamEngine

        return BeamEngine(tuple(beam_options))
    if chosen == "fast":
        from validator.engines.fast import FastEngine

        return FastEngine()
    from validator.engines.local import LocalEngine

    return LocalEngine()
