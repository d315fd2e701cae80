"""An artifact root that is not a local directory goes through tf.io.gfile (as gs:// does in
production). Exercised on TensorFlow's in-process ram:// file system: no bucket here, and the
rest of the suite uses local paths."""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from tests.conftest import REPO
from validator.config.job import find_job, load_job
from validator.history import artifact_fs
from validator.history.baselines import read_statistics
from validator.history.mlmd_store import MlmdRunStore
from validator.run.runner import run_job
from validator.run.settings import RunSettings


def test_runs_write_and_read_artifacts_through_gfile(tmp_path: pathlib.Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DQV_METADATA", f"sqlite://{tmp_path}/metadata.sqlite")
    monkeypatch.setenv("DQV_LOCK_DIR", str(tmp_path / "locks"))
    root = pathlib.Path("ram://dqv-test/artifacts")  # collapsed to ram:/… as the CLI passes it
    job = load_job(find_job("training_events", REPO))
    store = MlmdRunStore(root)
    settings = RunSettings(artifact_root=root, progress=False)
    first = run_job(job, dt.date(2026, 11, 5), store, settings).record
    second = run_job(job, dt.date(2026, 11, 6), store, settings).record
    assert first.statistics == f"ram://dqv-test/artifacts/training_events/ds=2026-11-05/{first.run_id}/FeatureStats.pb"
    assert read_statistics(first.statistics).datasets[0].num_examples == 2000
    assert artifact_fs.exists(artifact_fs.join(second.artifact_dir, "run.json"))
    assert b"smart_tv" in artifact_fs.read_bytes(second.anomalies or "")
    # The drift baseline was read back through gfile.
    assert (second.outcome.value if second.outcome else None, second.baseline_run_id) == \
        ("warn", first.run_id)
    assert not (tmp_path / "ram:").exists() and not pathlib.Path("ram:").exists()
    assert store.get(second.run_id) == second
