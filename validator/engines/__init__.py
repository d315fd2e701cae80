"""Statistics engines: how a partition's rows become TFDV statistics.

    fast    dqv's vectorized statistics core in this machine's processes, one per core, no
            TensorFlow (engines/fast.py; TFDV's semantics and output format)
    local   TFDV's generators in this machine's processes, one per core (engines/local.py):
            the reference the fast engine is tested against
    beam    a real Apache Beam pipeline with TFDV's GenerateStatistics: DirectRunner here,
            Dataflow / Flink / Spark by pipeline options (engines/beam.py)
    warehouse  BigQuery computes them with SQL generated from the schema (engines/warehouse.py)
    auto    warehouse for a BigQuery table partition of more than AUTO_WAREHOUSE_ROWS rows;
            beam when the partition is large (more than AUTO_BEAM_ROWS rows) and the pipeline
            options name a runner other than the DirectRunner; otherwise fast

Every engine returns the same thing: statistics with the unparseable-value counts attached,
so validation cannot tell which engine ran. Engines compute from the run's plan
(sources/base.py) and ask the source for shards or a Beam read; they never ask what kind of
source they hold. May import sources, stats, config and core.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from validator.engines.progress import Progress
from validator.sources.base import ReadStats, Source, SourcePlan

log = logging.getLogger("dqv")
AUTO_BEAM_ROWS = 200_000_000  # the local engine does ~1M rows/s on 2 cores: minutes, not hours
# Above this, BigQuery's own SQL beats moving the rows (~1M rows/s through Storage Read + local
# on 2 cores vs seconds per query job: tests/bench/bigquery.py).
AUTO_WAREHOUSE_ROWS = 5_000_000
ENGINES = ("auto", "fast", "local", "beam", "warehouse")


class StatisticsEngine(Protocol):
    name: str

    def compute(self, source: Source, plan: SourcePlan, schema: schema_pb2.Schema,
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
         warehouse: bool = False) -> str:
    """`auto` -> warehouse (`warehouse`: the rows are in BigQuery and many), beam, or fast (which
    hands nested columns to TFDV's generators itself). Pure, so the rule is tested without
    data."""
    if engine != "auto":
        return engine
    if warehouse and rows is not None and rows > AUTO_WAREHOUSE_ROWS:
        return "warehouse"
    remote = runner_of(beam_options).lower() not in ("directrunner", "direct", "prismrunner")
    if remote and rows is not None and rows > AUTO_BEAM_ROWS:
        return "beam"
    return "fast"


def build_engine(engine: str, beam_options: Sequence[str], plan: SourcePlan) -> StatisticsEngine:
    """The engine a run uses, picked from the run's plan. Imports Beam only when it runs."""
    rows = plan.estimated_rows
    chosen = pick(engine, beam_options, rows, plan.in_warehouse)
    log.debug("engine %s -> %s (estimated rows: %s)", engine, chosen, rows)
    if chosen == "warehouse":
        from validator.engines.warehouse import WarehouseEngine

        return WarehouseEngine()
    if chosen == "beam":
        from validator.engines.beam import BeamEngine

        return BeamEngine(tuple(beam_options))
    if chosen == "fast":
        from validator.engines.fast import FastEngine

        return FastEngine()
    from validator.engines.local import LocalEngine

    return LocalEngine()
