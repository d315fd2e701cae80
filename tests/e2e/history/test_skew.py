"""Training/serving skew: a serving job (environment SERVING) names the training job's
statistics as its reference; a sample whose device mix shifted is reported as skewed."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from google.protobuf import text_format
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.conftest import REPO, dqv
from validator.history.mlmd_connection import connection_config

SKEWED, CLEAN = "2026-11-03", "2026-11-04"


def _serving_day(project: pathlib.Path, ds: str, *, skewed: bool) -> None:
    """A serving sample from a training day: no label (serving data has none); when skewed,
    70% of the sessions come from tablets (8% in training)."""
    day = REPO / "sample_data" / "training_events" / f"ds={ds}" / "part-000.parquet"
    table = pq.read_table(day).drop(["label"])
    if skewed:
        rng = np.random.default_rng(7)
        device = np.where(rng.random(table.num_rows) < 0.7, "tablet",
                          np.array(table.column("device").to_pylist(), dtype=object))
        table = table.set_column(table.schema.get_field_index("device"), "device",
                                 [device.astype(object).tolist()])
    folder = project / "serving" / f"ds={ds}"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-000.parquet")


def _serving_job(project: pathlib.Path, skew_block: str) -> None:
    schema = text_format.Parse((project / "schemas" / "training_events.pbtxt").read_text(),
                               schema_pb2.Schema())
    for feature in schema.feature:
        if feature.name in ("device", "country"):
            feature.skew_comparator.infinity_norm.threshold = 0.1
    (project / "schemas" / "serving_events.pbtxt").write_text(text_format.MessageToString(schema))
    (project / "jobs" / "serving_events.yaml").write_text(f"""\
name: serving_events
schema: schemas/serving_events.pbtxt
environment: SERVING
source:
  kind: local
  path: serving
  format: parquet
  partition:
    hive_key: ds
{skew_block}
severity:
  default: error
""")


@pytest.fixture
def project(tmp_project: pathlib.Path) -> pathlib.Path:
    _serving_day(tmp_project, SKEWED, skewed=True)
    _serving_day(tmp_project, CLEAN, skewed=False)
    return tmp_project


def _run(project: pathlib.Path, root: pathlib.Path, job: str, ds: str) -> tuple[int, dict[str, Any]]:
    proc = dqv("run", job, "--ds", ds, "--project-dir", str(project), "--artifact-root", str(root),
               "--json", "--quiet")
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _skew(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["feature"]: m for m in record["measurements"] if m["comparison"] == "skew"}


def test_serving_sample_with_shifted_device_mix_reports_skew(project: pathlib.Path,
                                                             tmp_path: pathlib.Path) -> None:
    root = tmp_path / "artifacts"
    code, training = _run(project, root, "training_events", "2026-11-02")
    assert code == 0
    _serving_job(project, "skew:\n  reference_job: training_events")

    code, skewed = _run(project, root, "serving_events", SKEWED)
    assert code == 1, skewed
    assert skewed["reference_run_id"] == training["run_id"]
    findings = {(f["feature"], f["anomaly_type"], f["severity"]) for f in skewed["findings"]}
    assert findings == {("device", "COMPARATOR_L_INFTY_HIGH", "error")}  # no label: SERVING
    device = next(f for f in skewed["findings"] if f["feature"] == "device")
    assert "training and serving" in device["description"]
    skew = _skew(skewed)
    assert skew["device"]["value"] > 0.5 > skew["device"]["threshold"]
    assert skew["country"]["value"] <= skew["country"]["threshold"]

    code, clean = _run(project, root, "serving_events", CLEAN)
    assert code == 0 and clean["findings"] == []
    assert set(_skew(clean)) == {"device", "country"}
    assert all(m["value"] <= m["threshold"] for m in _skew(clean).values())

    # Lineage: the serving run consumed the training run's ExampleStatistics artifact.
    store = metadata_store.MetadataStore(connection_config(root))
    serving = store.get_execution_by_type_and_name("dqv.DataValidation", skewed["run_id"])
    inputs = {e.path.steps[0].key: e.artifact_id for e in store.get_events_by_execution_ids([serving.id])
              if e.type == mlmd.Event.INPUT}
    training_exec = store.get_execution_by_type_and_name("dqv.DataValidation", training["run_id"])
    produced = {e.artifact_id for e in store.get_events_by_execution_ids([training_exec.id])
                if e.type == mlmd.Event.OUTPUT}
    assert inputs["reference_statistics"] in produced

    shown = dqv("show", skewed["run_id"], "--artifact-root", str(root), check_exit=0).stdout
    assert f"Skew reference: {training['run_id']}" in shown
    assert any(line.strip().startswith("device: L_INFTY") and "EXCEEDED" in line
               for line in shown.splitlines())


def test_reference_by_statistics_file_and_by_run(project: pathlib.Path, tmp_path: pathlib.Path) -> None:
    root = tmp_path / "artifacts"
    code, training = _run(project, root, "training_events", "2026-11-05")
    assert code == 0
    _serving_job(project, f"skew:\n  reference_statistics: {training['statistics']}")
    code, by_file = _run(project, root, "serving_events", SKEWED)
    assert code == 1 and by_file["reference_statistics"] == training["statistics"]
    assert _skew(by_file)["device"]["value"] > 0.5

    _serving_job(project, f"skew:\n  reference_run_id: {training['run_id']}")
    code, by_run = _run(project, root, "serving_events", SKEWED)
    assert code == 1 and by_run["reference_run_id"] == training["run_id"]
    assert _skew(by_run)["device"]["value"] == pytest.approx(_skew(by_file)["device"]["value"])

    # A reference that cannot be found fails closed, naming the field.
    _serving_job(project, "skew:\n  reference_statistics: nowhere/FeatureStats.pb")
    code, missing = _run(project, root, "serving_events", SKEWED)
    assert code == 2 and missing["outcome"] == "not_evaluated"
    assert "skew.reference_statistics" in missing["error"] and "not found" in missing["error"]
