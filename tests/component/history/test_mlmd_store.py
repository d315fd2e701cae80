"""The ML Metadata run store on a real SQLite file: records round-trip exactly, lineage is
recorded with TFX's artifact types, and dead runs are told apart from live ones by their lock."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history import locks
from validator.history.mlmd_connection import connection_config
from validator.history.mlmd_store import MlmdRunStore


def _record(root: pathlib.Path, run_id: str, ds: str, minute: int) -> RunRecord:
    return RunRecord(run_id=run_id, job="events", ds=ds,
                     started_at=f"2026-12-01T10:{minute:02d}:00+00:00",
                     artifact_dir=str(root / "events" / f"ds={ds}" / run_id))


def _finish(store: MlmdRunStore, record: RunRecord, outcome: Outcome, **values: object) -> None:
    folder = pathlib.Path(record.artifact_dir)
    record.outcome = outcome
    record.ended_at = record.started_at.replace(":00+", ":07+")
    record.source_uri = f"bq://proj.ds.events${record.ds.replace('-', '') if record.ds else ''}"
    record.statistics = str(folder / "FeatureStats.pb")
    record.anomalies = str(folder / "anomalies.pbtxt")
    record.rows, record.bytes_read = 2000, 51234
    for key, value in values.items():
        setattr(record, key, value)
    store.finish(record)


def test_records_round_trip_exactly(tmp_path: pathlib.Path) -> None:
    store = MlmdRunStore(tmp_path)
    first = _record(tmp_path, "r1", "2026-11-01", 0)
    store.start(first)
    assert store.get("r1") == first and store.get("r1").outcome is None  # type: ignore[union-attr]
    _finish(store, first, Outcome.WARN, findings=[{"feature": "device", "severity": "warning",
                                                   "anomaly_type": "X", "value": None}],
            measurements=[{"feature": "country", "value": 0.02, "threshold": 0.1}],
            timings={"validate": 0.5}, source_details={"files": 1})
    first.delivery["slack"] = "ok"
    store.finish(first)  # the second finish adds delivery status only
    again = MlmdRunStore(tmp_path)  # a new process would open it like this
    assert again.get("r1") == first
    assert again.runs("events") == [first]
    assert again.runs("other") == [] and again.get("nope") is None
    assert again.last_passing("events", "2026-11-02") == first
    assert again.last_passing("events", "2026-11-01") is None
    assert (tmp_path / "events" / "ds=2026-11-01" / "r1" / "run.json").is_file()


def test_lineage_uses_tfx_types_and_links_the_baseline(tmp_path: pathlib.Path) -> None:
    store = MlmdRunStore(tmp_path)
    first = _record(tmp_path, "r1", "2026-11-01", 0)
    store.start(first)
    _finish(store, first, Outcome.PASS)
    second = _record(tmp_path, "r2", "2026-11-02", 5)
    store.start(second)
    _finish(store, second, Outcome.BLOCK, baseline_run_id="r1", baseline_ds="2026-11-01",
            findings=[{"severity": "error"}, {"severity": "error"}, {"severity": "warning"}])
    store.finish(second)  # no duplicate artifacts or events

    md = metadata_store.MetadataStore(connection_config(tmp_path))
    context = md.get_context_by_type_and_name("dqv.Job", "events")
    executions = {e.name: e for e in md.get_executions_by_context(context.id)}
    assert set(executions) == {"r1", "r2"}
    run = executions["r2"]
    assert run.last_known_state == mlmd.Execution.COMPLETE
    assert run.properties["outcome"].string_value == "block"
    assert run.properties["ds"].string_value == "2026-11-02"
    assert run.properties["span"].int_value == 20759
    assert run.properties["bytes_read"].int_value == 51234
    assert run.properties["duration_s"].double_value == 7.0

    types = {t.id: t.name for t in md.get_artifact_types()}
    events = md.get_events_by_execution_ids([run.id])
    linked = {(e.type, e.path.steps[0].key): md.get_artifacts_by_id([e.artifact_id])[0] for e in events}
    assert len(events) == len(linked) == 4
    examples = linked[(mlmd.Event.INPUT, "examples")]
    assert types[examples.type_id] == "Examples"
    assert examples.uri == "bq://proj.ds.events$20261102"
    assert examples.properties["span"].int_value == 20759
    stats = linked[(mlmd.Event.OUTPUT, "statistics")]
    assert types[stats.type_id] == "ExampleStatistics"
    assert stats.uri.endswith("r2/FeatureStats.pb") and stats.properties["rows"].int_value == 2000
    anomalies = linked[(mlmd.Event.OUTPUT, "anomalies")]
    assert types[anomalies.type_id] == "ExampleAnomalies"
    assert (anomalies.properties["errors"].int_value, anomalies.properties["warnings"].int_value,
            anomalies.properties["anomalies"].int_value) == (2, 1, 3)
    # The baseline input is the very artifact the first run produced.
    baseline = linked[(mlmd.Event.INPUT, "baseline_statistics")]
    first_outputs = [e.artifact_id for e in md.get_events_by_execution_ids([executions["r1"].id])
                     if e.type == mlmd.Event.OUTPUT]
    assert baseline.id in first_outputs
    # Attributions: every artifact belongs to the job's context.
    attributed = {a.id for a in md.get_artifacts_by_context(context.id)}
    assert {a.id for a in linked.values()} <= attributed
    assert len(md.get_artifacts_by_context(context.id)) == 6


def test_dead_running_run_is_marked_failed_live_one_is_not(tmp_path: pathlib.Path) -> None:
    store = MlmdRunStore(tmp_path)
    dead = _record(tmp_path, "dead", "2026-11-01", 0)
    store.start(dead)  # nobody holds its run lock: its process is gone
    alive = _record(tmp_path, "alive", "2026-11-02", 1)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from validator.history import locks
        with locks.run_lock({str(tmp_path)!r}, "events", "2026-11-02"):
            print("held", flush=True)
            time.sleep(120)
    """)], stdout=subprocess.PIPE, text=True, cwd=pathlib.Path(__file__).parents[3])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert locks.run_is_alive(tmp_path, "events", "2026-11-02")
        assert not locks.run_is_alive(tmp_path, "events", "2026-11-01")
        store.start(alive)  # as the holder's run would: marks the dead one
        assert store.get("dead").outcome is Outcome.NOT_EVALUATED  # type: ignore[union-attr]
        store.start(_record(tmp_path, "next", "2026-11-03", 2))  # leaves the live one alone
    finally:
        holder.kill()
        holder.wait()
    marked = store.get("dead")
    assert marked is not None and marked.outcome is Outcome.NOT_EVALUATED
    assert marked.error is not None and marked.error.startswith("interrupted")
    assert f"pid {os.getpid()}" in marked.error and "run alive" in marked.error
    still = store.get("alive")
    assert still is not None and still.outcome is None  # its lock holder lives
    md = metadata_store.MetadataStore(connection_config(tmp_path))
    states = {e.name: e.last_known_state for e in md.get_executions()}
    assert states == {"dead": mlmd.Execution.FAILED, "alive": mlmd.Execution.RUNNING,
                      "next": mlmd.Execution.RUNNING}
    # Once its holder is gone, the next run marks it too.
    store.start(_record(tmp_path, "later", "2026-11-04", 3))
    assert store.get("alive").outcome is Outcome.NOT_EVALUATED  # type: ignore[union-attr]


def test_second_finish_of_a_not_evaluated_run_keeps_its_delivery_status(tmp_path: pathlib.Path
                                                                        ) -> None:
    store = MlmdRunStore(tmp_path)
    good = _record(tmp_path, "g1", "2026-11-01", 0)
    store.start(good)
    _finish(store, good, Outcome.PASS)
    failed = _record(tmp_path, "f1", "2026-11-02", 5)
    store.start(failed)
    failed.outcome, failed.error = Outcome.NOT_EVALUATED, "no data for ds=2026-11-02"
    failed.ended_at = failed.started_at
    failed.source_uri = "file:///data/ds=2026-11-02"
    failed.baseline_run_id, failed.baseline_ds = "g1", "2026-11-01"
    store.finish(failed)
    failed.delivery["metrics"] = "failed: cannot push"
    store.finish(failed)  # what the runner does after its observers ran
    again = MlmdRunStore(tmp_path)
    assert again.get("f1") == failed
    with again.session() as mlmd_store:
        examples = mlmd_store.get_artifacts_by_type("Examples")
    assert sorted(a.uri for a in examples).count("file:///data/ds=2026-11-02") <= 1
