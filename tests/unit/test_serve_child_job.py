"""A run of `dqv serve` happens in a child process, which gets the job as the service loaded it
(validator/service/runs.py): every setting survives the hand-over, and an edit of the file the
service has not reloaded yet does not reach the run."""

from __future__ import annotations

import json
import pathlib

from tests.conftest import REPO
from tests.unit.test_monitor_config import MONITORS
from validator.config.job import load_job
from validator.service.runs import job_from_json, job_to_json

GOOD = (REPO / "jobs" / "training_events.yaml").read_text()
EVERYTHING = GOOD + """engine: fast
beam_options: [--direct_num_workers=2]
schedule: {cron: "15 6 * * *", timezone: Europe/Berlin, ds_offset_days: -2, catch_up: 3}
expect_data_by: "+6h"
waivers:
  - feature: age
    anomaly: INT_TYPE_SMALL_INT
    until: 2099-01-01
    owner: ml-growth
    reason: known
metrics: {strict: false}
""" + MONITORS


def _write(folder: pathlib.Path, text: str) -> pathlib.Path:
    path = folder / "jobs" / "training_events.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_every_setting_reaches_the_run_process(tmp_path: pathlib.Path) -> None:
    for text in (GOOD, EVERYTHING,
                 GOOD.replace("format: parquet", "format: csv\n  csv_null_values: [NA, 'null']")):
        job = load_job(_write(tmp_path, text))
        sent = json.loads(json.dumps(job_to_json(job)))  # as it crosses the pipe
        assert job_from_json(sent) == job
        assert job_from_json(sent).schema_path == job.schema_path  # the paths resolve alike


def test_the_run_uses_the_loaded_job_not_the_file_as_it_is_now(tmp_path: pathlib.Path) -> None:
    path = _write(tmp_path, GOOD)
    sent = job_to_json(load_job(path))
    path.write_text(GOOD.replace("severity: warning", "severity: error"))  # not reloaded yet
    rules = job_from_json(sent).severity.rules
    assert [r.severity for r in rules] == ["warning"]
