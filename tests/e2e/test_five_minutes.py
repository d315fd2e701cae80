"""The README's "Your own table in five minutes", walked as a new user does it, in a project
directory outside the checkout: the BigQuery sandbox (scripts/bq-sandbox.py, the real emulator)
-> `dqv init --bigquery` -> `dqv run` -> `dqv gate` on a defect day -> the Slack alert arrives
(the real slack_sdk client, the Slack stand-in).

The sandbox runs in the foreground mode here (`bq-sandbox.py run`), so it dies with the test
even if the test is killed; it is stopped the way a user stops it, by its saved PID
(`bq-sandbox.py stop`, what `make bq-sandbox-stop` runs).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import REPO, dqv
from tests.support.bq_emulator import installed
from tests.support.serve import wait_for
from tests.support.slack_standin import SlackStandin
from validator.notify.slack.mrkdwn import unescape

SANDBOX = REPO / "scripts" / "bq-sandbox.py"
TOKEN = "xoxb-1234-5678-fiveMINUTEStoken"

pytestmark = pytest.mark.skipif(not installed(), reason="the BigQuery emulator is not installed "
                                                        "(make bq-emulator)")


@pytest.fixture
def sandbox(tmp_path: pathlib.Path) -> Iterator[dict[str, str]]:
    folder = tmp_path / "sandbox"
    process = subprocess.Popen([sys.executable, str(SANDBOX), "run", "--dir", str(folder)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    state_file = folder / "sandbox.json"
    try:
        wait_for("the sandbox to load the sample days",
                 lambda: state_file.is_file() or process.poll() is not None)
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield json.loads(state_file.read_text())
    finally:
        stop = subprocess.run([sys.executable, str(SANDBOX), "stop", "--dir", str(folder)],
                              capture_output=True, text=True, timeout=60)
        try:
            process.wait(timeout=30)  # the emulator stopped by PID: the foreground script ends
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert "stopped (pid" in stop.stdout, stop.stdout + stop.stderr
    assert not state_file.exists()


def test_the_five_minute_path(sandbox: dict[str, str], slack_standin: SlackStandin,
                              tmp_path: pathlib.Path) -> None:
    project = tmp_path / "my-project"
    project.mkdir()
    env = {"DQV_BIGQUERY_ENDPOINT": sandbox["DQV_BIGQUERY_ENDPOINT"],
           "GOOGLE_CLOUD_PROJECT": sandbox["GOOGLE_CLOUD_PROJECT"], "DQV_METADATA": "",
           "DQV_PROJECT_DIR": "", "DQV_ARTIFACT_ROOT": "", "DQV_SLACK_BOT_TOKEN": "",
           "DQV_SLACK_WEBHOOK_URL": ""}

    # dqv init: the partition column is found from the table's partitioning.
    init = dqv("init", "events", "--bigquery", "dqv_sandbox.training_events", "--ds",
               "2026-11-01", cwd=project, env=env, check_exit=0)
    job = (project / "jobs" / "events.yaml").read_text()
    assert "table: dqv_sandbox.training_events" in job and "column: ds" in job
    assert 'name: "age"' in (project / "schemas" / "events.pbtxt").read_text()
    assert (project / "alerts" / "routes.yaml").is_file()
    assert "dqv run events --ds 2026-11-01" in init.stdout
    assert "dqv gate events --ds 2026-11-01 --json" in init.stdout
    again = dqv("init", "events", "--bigquery", "dqv_sandbox.training_events", "--ds",
                "2026-11-01", cwd=project, env=env, check_exit=2)
    assert "never overwrites" in again.stderr

    dqv("validate-config", cwd=project, env=env, check_exit=0)
    first = dqv("run", "events", "--ds", "2026-11-01", cwd=project, env=env, check_exit=0)
    assert "events  ds=2026-11-01  PASS" in first.stdout

    # The pre-training gate on the day a column went empty, with Slack configured.
    slack = {**env, "DQV_SLACK_BOT_TOKEN": TOKEN, "DQV_SLACK_BASE_URL": slack_standin.base_url}
    gate = dqv("gate", "events", "--ds", "2026-11-07", "--json", cwd=project, env=slack,
               check_exit=1)
    verdict = json.loads(gate.stdout)
    assert verdict["outcome"] == "block" and verdict["may_train"] is False
    assert any(f["feature"] == "account_age_days" for f in verdict["blocking"])
    posts = slack_standin.posts()
    assert len(posts) == 1
    alert = posts[0]
    assert alert.data["channel"] == "#data-quality"  # the route `dqv init` wrote
    assert alert.headers["Authorization"] == f"Bearer {TOKEN}"
    header = alert.data["blocks"][0]["text"]["text"]
    assert "events" in header and "ds=2026-11-07" in header and "BLOCK" in header
    assert "account_age_days" in unescape(json.dumps(alert.data["blocks"], ensure_ascii=False))
