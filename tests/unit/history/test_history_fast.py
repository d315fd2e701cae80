"""`dqv history` and `dqv show` read the store and statistics protos without TensorFlow."""

from __future__ import annotations

import pathlib

from tensorflow_metadata.proto.v0 import statistics_pb2

from tests.unit.test_fast_paths import _modules_after
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history.mlmd_store import MlmdRunStore


def test_history_and_show_do_not_import_tensorflow(tmp_path: pathlib.Path) -> None:
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = stats.datasets.add(num_examples=4)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.FLOAT)
    feature.path.step.append("price")
    feature.num_stats.mean = 2.5
    feature.num_stats.common_stats.num_non_missing = 3
    feature.num_stats.common_stats.num_missing = 1
    (tmp_path / "FeatureStats.pb").write_bytes(stats.SerializeToString())
    record = RunRecord(run_id="r1", job="training_events", ds="2026-11-01",
                       started_at="2026-12-01T00:00:00+00:00", ended_at="2026-12-01T00:00:02+00:00",
                       outcome=Outcome.PASS, rows=4, statistics=str(tmp_path / "FeatureStats.pb"))
    MlmdRunStore(tmp_path).finish(record)
    out = tmp_path / "out.txt"
    heavy = _modules_after(f"""
        import contextlib, sys
        from validator.cli.main import main
        with open({str(out)!r}, "w") as sink, contextlib.redirect_stdout(sink):
            assert main(["history", "training_events", "--artifact-root", {str(tmp_path)!r}]) == 0
            assert main(["show", "r1", "--artifact-root", {str(tmp_path)!r}]) == 0
    """)
    assert heavy == ""
    text = out.read_text()
    assert "2026-11-01  pass" in text and "2.0s" in text
    assert "price" in text and "25.0%" in text and "mean 2.5" in text
