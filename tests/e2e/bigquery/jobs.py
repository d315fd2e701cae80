"""BigQuery variants of the bundled job, written into a test's project directory."""

from __future__ import annotations

import pathlib
import shutil
from typing import Any

import yaml

from tests.support.bigquery import DATASET, REPO, SAMPLE_COLUMNS


def write_bq_job(project: pathlib.Path, name: str, source: dict[str, Any],
                 **overrides: Any) -> pathlib.Path:
    """The bundled training_events job with a BigQuery source (same schema, same policy)."""
    job = yaml.safe_load((project / "jobs" / "training_events.yaml").read_text())
    job.update({"name": name, "source": {"kind": "bigquery", **source}, **overrides})
    path = project / "jobs" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(job, sort_keys=False))
    return path


def sharded_source() -> dict[str, Any]:
    """One date-sharded table per day, each partitioned on ds (tests/support/bigquery.py)."""
    return {"table": f"{DATASET}.training_events_{{ds_nodash}}", "partition": {"column": "ds"},
            "columns": SAMPLE_COLUMNS}


def partitioned_source(**extra: Any) -> dict[str, Any]:
    """The one DATE-partitioned table holding all days."""
    return {"table": f"{DATASET}.training_events", "partition": {"column": "ds"},
            "columns": SAMPLE_COLUMNS, **extra}


def new_project(folder: pathlib.Path) -> pathlib.Path:
    """A project directory with the bundled job and schemas (no data: it is in BigQuery)."""
    (folder / "jobs").mkdir()
    shutil.copytree(REPO / "schemas", folder / "schemas")
    shutil.copy(REPO / "jobs" / "training_events.yaml", folder / "jobs")
    return folder
