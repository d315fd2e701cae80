"""Run history through the CLI, after `make demo`: `dqv history` and `dqv show`, the ML
Metadata file read with the ml_metadata API, and drift baselines resolved from it."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from tests.conftest import REPO, SAMPLE_DAYS, dqv
from validator.history.mlmd_connection import connection_config

OUTCOMES = {**{ds: "pass" for ds in SAMPLE_DAYS}, "2026-11-06": "warn", "2026-11-07": "block",
            "2026-11-08": "block", "2026-11-09": "block", "2026-11-10": "block"}
Dqv = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """`make demo` into a fresh artifact root (installation is `make test`'s job, hence -o)."""
    root = tmp_path_factory.mktemp("demo") / "artifacts"
    proc = subprocess.run(["make", "-o", "install", "demo", f"DEMO_ROOT={root}"], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "training_events: 11 runs" in proc.stdout  # the demo ends with the history
    return root


def _history(root: pathlib.Path, *args: str) -> dict[str, Any]:
    proc = dqv("history", "training_events", "--artifact-root", str(root), "--json", *args,
               check_exit=0)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _copy(root: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    copy = tmp_path / "artifacts"
    shutil.copytree(root, copy)
    return copy


def test_history_lists_every_demo_day_with_its_outcome(demo_root: pathlib.Path) -> None:
    runs = _history(demo_root)["runs"]
    assert {r["ds"]: r["outcome"] for r in runs} == OUTCOMES
    assert [r["ds"] for r in runs] == SAMPLE_DAYS
    assert all(r["rows"] == 2000 and r["duration_s"] > 0 and not r["superseded"] for r in runs)
    by_ds = {r["ds"]: r for r in runs}
    assert (by_ds["2026-11-08"]["anomalies"], by_ds["2026-11-08"]["errors"]) == (2, 2)
    assert (by_ds["2026-11-06"]["anomalies"], by_ds["2026-11-06"]["warnings"]) == (1, 1)

    human = dqv("history", "training_events", "--artifact-root", str(demo_root), check_exit=0).stdout
    lines = human.splitlines()
    assert lines[0] == "training_events: 11 runs (latest run per ds)"
    assert lines[1].split() == ["DS", "OUTCOME", "ROWS", "ANOMALIES", "DURATION", "RUN", "NOTE"]
    body = {line.split()[0]: line for line in lines[3:]}
    assert set(body) == set(SAMPLE_DAYS)
    for ds, outcome in OUTCOMES.items():
        assert body[ds].split()[1] == outcome
        assert by_ds[ds]["run_id"] in body[ds]
    assert "2 (2 errors)" in body["2026-11-08"] and "1 (1 warning)" in body["2026-11-06"]
    assert "baseline ds=2026-11-06" in body["2026-11-10"]

    last = _history(demo_root, "--last", "3")["runs"]
    assert [r["ds"] for r in last] == SAMPLE_DAYS[-3:]


def test_mlmd_file_holds_contexts_executions_artifacts_and_lineage(demo_root: pathlib.Path) -> None:
    store = metadata_store.MetadataStore(connection_config(demo_root))
    assert (demo_root / "metadata.sqlite").is_file()
    context = store.get_context_by_type_and_name("dqv.Job", "training_events")
    assert context is not None
    executions = store.get_executions_by_context(context.id)
    assert len(executions) == 11
    assert {e.type for e in executions} == {"dqv.DataValidation"}
    assert all(e.last_known_state == mlmd.Execution.COMPLETE for e in executions)
    by_ds = {e.properties["ds"].string_value: e for e in executions}
    assert {ds: e.properties["outcome"].string_value for ds, e in by_ds.items()} == OUTCOMES

    artifacts = store.get_artifacts_by_context(context.id)
    types = {t.id: t.name for t in store.get_artifact_types()}
    counts: dict[str, int] = {}
    for artifact in artifacts:
        counts[types[artifact.type_id]] = counts.get(types[artifact.type_id], 0) + 1
    assert counts == {"Examples": 11, "ExampleStatistics": 11, "ExampleAnomalies": 11}
    base_types = {t.name: t.base_type for t in store.get_artifact_types()}
    assert base_types["Examples"] == mlmd.ArtifactType.DATASET
    assert base_types["ExampleStatistics"] == mlmd.ArtifactType.STATISTICS

    day8 = by_ds["2026-11-08"]
    events = store.get_events_by_execution_ids([day8.id])
    keyed = {(e.type, e.path.steps[0].key): store.get_artifacts_by_id([e.artifact_id])[0]
             for e in events}
    assert set(keyed) == {(mlmd.Event.INPUT, "examples"), (mlmd.Event.INPUT, "baseline_statistics"),
                          (mlmd.Event.OUTPUT, "statistics"), (mlmd.Event.OUTPUT, "anomalies")}
    examples = keyed[(mlmd.Event.INPUT, "examples")]
    assert examples.uri.startswith("file://") and examples.uri.endswith("ds=2026-11-08")
    stats = keyed[(mlmd.Event.OUTPUT, "statistics")]
    assert pathlib.Path(stats.uri).is_file() and stats.uri.endswith("FeatureStats.pb")
    anomalies = keyed[(mlmd.Event.OUTPUT, "anomalies")]
    assert anomalies.properties["errors"].int_value == 2
    assert "age" in pathlib.Path(anomalies.uri).read_text()
    # Lineage answers "which artifact was this run compared with": 11-06's statistics.
    day6_outputs = {e.artifact_id for e in store.get_events_by_execution_ids([by_ds["2026-11-06"].id])
                    if e.type == mlmd.Event.OUTPUT}
    assert keyed[(mlmd.Event.INPUT, "baseline_statistics")].id in day6_outputs
    consumers = store.get_events_by_artifact_ids([keyed[(mlmd.Event.INPUT, "baseline_statistics")].id])
    assert {e.execution_id for e in consumers if e.type == mlmd.Event.INPUT} == {
        by_ds[ds].id for ds in ("2026-11-07", "2026-11-08", "2026-11-09", "2026-11-10", "2026-11-11")}


def test_after_blocked_days_the_next_day_is_compared_with_the_last_passing_day(
        demo_root: pathlib.Path, tmp_path: pathlib.Path) -> None:
    runs = {r["ds"]: r for r in _history(demo_root)["runs"]}
    for ds in ("2026-11-08", "2026-11-09", "2026-11-10", "2026-11-11"):
        assert runs[ds]["baseline_run_id"] == runs["2026-11-06"]["run_id"], ds
    # The baseline comes from ML Metadata, not from files: without any run.json it is the same.
    root = _copy(demo_root, tmp_path)
    for path in root.rglob("run.json"):
        path.unlink()
    proc = dqv("run", "training_events", "--ds", "2026-11-10", "--artifact-root", str(root),
               "--json", "--quiet")
    assert proc.returncode == 1, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["baseline_ds"], record["baseline_run_id"]) == \
        ("2026-11-06", runs["2026-11-06"]["run_id"])
    assert {m["feature"] for m in record["measurements"]
            if m["comparison"] == "drift" and m["value"] > m["threshold"]} == \
        {"country", "session_duration_s"}


def test_rerun_is_a_new_execution_and_history_keeps_the_earlier_one(
        demo_root: pathlib.Path, tmp_path: pathlib.Path) -> None:
    root = _copy(demo_root, tmp_path)
    before = {r["ds"]: r for r in _history(root)["runs"]}
    proc = dqv("run", "training_events", "--ds", "2026-11-06", "--artifact-root", str(root),
               "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    rerun = json.loads(proc.stdout)
    latest = {r["ds"]: r for r in _history(root)["runs"]}
    assert len(latest) == 11 and latest["2026-11-06"]["run_id"] == rerun["run_id"]
    everything = _history(root, "--all")["runs"]
    assert len(everything) == 12
    day6 = [r for r in everything if r["ds"] == "2026-11-06"]
    assert [(r["run_id"], r["superseded"]) for r in day6] == [
        (before["2026-11-06"]["run_id"], True), (rerun["run_id"], False)]
    human = dqv("history", "training_events", "--all", "--artifact-root", str(root),
                check_exit=0).stdout
    assert "superseded by a later run" in human and "12 runs (all runs)" in human
    store = metadata_store.MetadataStore(connection_config(root))
    assert len(store.get_executions_by_type("dqv.DataValidation")) == 12


def test_pinned_baseline(demo_root: pathlib.Path, tmp_project: pathlib.Path,
                         tmp_path: pathlib.Path) -> None:
    root = _copy(demo_root, tmp_path)
    pinned = _history(root)["runs"][0]  # 2026-11-01
    job = tmp_project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text().replace(
        "  policy: last_passing", f"  policy: pinned\n  run_id: {pinned['run_id']}"))
    proc = dqv("run", "training_events", "--ds", "2026-11-05", "--project-dir", str(tmp_project),
               "--artifact-root", str(root), "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["baseline_run_id"], record["baseline_ds"]) == (pinned["run_id"], "2026-11-01")

    job.write_text(job.read_text().replace(pinned["run_id"], "20990101T000000000Z-000000"))
    proc = dqv("run", "training_events", "--ds", "2026-11-05", "--project-dir", str(tmp_project),
               "--artifact-root", str(root), "--json", "--quiet")
    assert proc.returncode == 2  # fail closed: the asked-for comparison could not be made
    record = json.loads(proc.stdout)
    assert record["outcome"] == "not_evaluated"
    assert "baseline.run_id" in record["error"] and "not in the run history" in record["error"]

    job.write_text(job.read_text().replace("  run_id: 20990101T000000000Z-000000\n", ""))
    proc = dqv("run", "training_events", "--ds", "2026-11-05", "--project-dir", str(tmp_project),
               "--artifact-root", str(root))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "baseline" in proc.stderr and "'run_id' goes with 'policy: pinned'" in proc.stderr


def test_show_a_drifted_run(demo_root: pathlib.Path) -> None:
    runs = {r["ds"]: r for r in _history(demo_root)["runs"]}
    run_id, baseline_id = runs["2026-11-10"]["run_id"], runs["2026-11-06"]["run_id"]
    human = dqv("show", run_id, "--artifact-root", str(demo_root), check_exit=0).stdout
    assert human.splitlines()[0] == f"run {run_id}: training_events  ds=2026-11-10  BLOCK"
    assert "Anomalies (2)" in human and "COMPARATOR_L_INFTY_HIGH" in human
    stats_rows = {line.split()[0]: line for line in human.split("\nStatistics\n")[1]
                  .split("\n\n")[0].splitlines()[2:]}
    assert len(stats_rows) == 15 and "8 unique, top 'US'" in stats_rows["country"]
    assert f"Baseline: run {baseline_id} (ds=2026-11-06)" in human
    assert "country: L_INFTY" in human and "EXCEEDED" in human
    compared = human.split("Baseline: run")[1]
    country = next(line for line in compared.splitlines() if line.startswith("country "))
    assert "top US / US" in country

    data = json.loads(dqv("show", run_id, "--artifact-root", str(demo_root), "--json",
                          check_exit=0).stdout)
    assert data["run"]["outcome"] == "block" and data["run"]["run_id"] == run_id
    assert {(f["feature"], f["anomaly_type"]) for f in data["findings"]} == {
        ("country", "COMPARATOR_L_INFTY_HIGH"),
        ("session_duration_s", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH")}
    features = {f["feature"]: f for f in data["features"]}
    assert len(features) == 15 and features["country"]["top_value"] == "US"
    assert features["country"]["top_fraction"] > 0.6  # the drifted mix: ~75% US
    assert data["baseline"]["run_id"] == baseline_id and data["baseline"]["found"]
    drift = {m["feature"]: m for m in data["baseline"]["drift"]}
    assert drift["country"]["value"] > drift["country"]["threshold"]
    compared_json = {row["feature"]: row for row in data["baseline"]["features"]}
    assert compared_json["country"]["top_fraction"]["baseline"] < 0.5


def test_show_and_history_errors_are_one_line(demo_root: pathlib.Path) -> None:
    proc = dqv("show", "no-such-run", "--artifact-root", str(demo_root))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "no run 'no-such-run'" in proc.stderr
    proc = dqv("history", "no_such_job", "--artifact-root", str(demo_root))
    assert proc.returncode == 2 and "no runs of job 'no_such_job'" in proc.stderr
    proc = dqv("history", "training_events", "--last", "0", "--artifact-root", str(demo_root))
    assert proc.returncode == 2 and "--last" in proc.stderr
