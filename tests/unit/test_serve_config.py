"""`dqv serve` refuses, at start and on reload, a job config that would fail every run."""

from __future__ import annotations

import pathlib

import pytest

from validator.errors import ConfigError
from validator.service.main import load_jobs


def test_strict_metrics_without_a_pushgateway_is_refused_when_jobs_load(
        tmp_project: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DQV_PUSHGATEWAY_URL", raising=False)
    job = tmp_project / "jobs" / "training_events.yaml"
    assert set(load_jobs(tmp_project)) == {"training_events"}
    job.write_text(job.read_text() + "metrics:\n  strict: true\n")
    with pytest.raises(ConfigError, match=r"metrics\.strict is set but no Pushgateway URL"):
        load_jobs(tmp_project)
    monkeypatch.setenv("DQV_PUSHGATEWAY_URL", "http://127.0.0.1:9091")
    assert set(load_jobs(tmp_project)) == {"training_events"}
