"""Every statistics engine gives the same verdicts on the sample data as the default run.

The default run (`engine: auto`, local files) uses the fast engine in one process; `local` is
TFDV's own generators, so fast == default == local is the check that validation cannot tell
the fast core from TFDV. The sample days are rewritten with small Parquet row groups, so the
local and fast engines really split each day between two worker processes
(DQV_PARALLEL_MIN_ROWS=0 lifts the small-data shortcut), and the Beam engine really runs a
pipeline on the DirectRunner. Outcomes, findings and the unparseable-value counts (merged
across processes / bundles) must equal the default run's.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, SAMPLE_DAYS, dqv

ROW_GROUP = 400  # 2000 rows a day -> 5 row groups -> 2 shards


@pytest.fixture(scope="module")
def split_project(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    project = tmp_path_factory.mktemp("engines")
    shutil.copytree(REPO / "schemas", project / "schemas")
    (project / "jobs").mkdir()
    shutil.copy(REPO / "jobs" / "training_events.yaml", project / "jobs")
    for day in sorted((REPO / "sample_data" / "training_events").iterdir()):
        target = project / "sample_data" / "training_events" / day.name
        target.mkdir(parents=True)
        for file in day.glob("*.parquet"):
            pq.write_table(pq.read_table(file), target / file.name, row_group_size=ROW_GROUP)
    return project


def _backfill(project: pathlib.Path, engine: str) -> dict[str, dict[str, Any]]:
    if engine == "fast":  # chosen in the job file (the job model's `engine`)
        fast = project.parent / f"{project.name}-fast"
        if not fast.exists():
            shutil.copytree(project, fast)
            job = fast / "jobs" / "training_events.yaml"
            job.write_text(job.read_text(encoding="utf-8") + "engine: fast\n", encoding="utf-8")
        project, chosen = fast, []
    else:
        chosen = ["--engine", engine]
    proc = dqv("backfill", "training_events", "--start", SAMPLE_DAYS[0], "--end", SAMPLE_DAYS[-1],
               *chosen, "--json", "--quiet", "--project-dir", str(project),
               "--artifact-root", str(project / f"artifacts-{engine}"), cwd=project,
               env={"DQV_PARALLEL_MIN_ROWS": "0"}, timeout=1200)
    assert proc.stdout, proc.stderr
    return {r["ds"]: r for r in json.loads(proc.stdout)}


def _verdict(record: dict[str, Any]) -> tuple[str, set[tuple[str, str, str]], dict[str, str]]:
    findings = {(f["feature"], f["anomaly_type"], f["severity"]) for f in record["findings"]}
    # "1191 value(s) do not parse as FLOAT, e.g. ...": the count must survive the merge
    counts = {f["feature"]: re.match(r"\d+ value\(s\)", f["description"]).group(0)  # type: ignore[union-attr]
              for f in record["findings"] if f["anomaly_type"] == "UNEXPECTED_DATA_TYPE"}
    return record["outcome"], findings, counts


@pytest.mark.parametrize("engine", ["local", "fast", "beam"])
def test_engine_gives_the_default_verdicts(engine: str, split_project: pathlib.Path,
                                           sample_runs: dict[str, Any]) -> None:
    records = _backfill(split_project, engine)
    assert sorted(records) == SAMPLE_DAYS
    for ds in SAMPLE_DAYS:
        record, default = records[ds], sample_runs[ds]["record"]
        assert record["source_details"]["engine"] == engine
        assert default["source_details"]["engine"] == "fast"  # auto, local files
        if engine in ("local", "fast"):
            assert record["source_details"]["workers"] == 2, "the day was not split"
        assert record["rows"] == default["rows"] == 2000
        assert _verdict(record) == _verdict(default), ds
    assert _verdict(records["2026-11-09"])[2] == {"cart_value": "1191 value(s)"}
    assert records["2026-11-10"]["baseline_ds"] == "2026-11-06"


def test_beam_engine_reports_a_missing_partition(split_project: pathlib.Path) -> None:
    proc = dqv("run", "training_events", "--ds", "2026-12-01", "--engine", "beam", "--quiet",
               "--project-dir", str(split_project), "--artifact-root",
               str(split_project / "artifacts-missing"), cwd=split_project)
    assert proc.returncode == 3  # issue 13: a missing partition is not ready (exit 3)
    assert "no data for ds=2026-12-01" in proc.stderr + proc.stdout
