"""What the CLI says when something is half set up: Slack routes without a token, an
unreachable Slack (dqv's own line, not slack_sdk's), a mistyped column. The real CLI in a
subprocess, as users run it."""

from __future__ import annotations

import pathlib
import socket

import yaml

from tests.conftest import dqv

NO_SLACK = {"DQV_SLACK_BOT_TOKEN": "", "DQV_SLACK_WEBHOOK_URL": "", "DQV_METADATA": ""}


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_routes_without_a_token_warn_that_slack_is_off(tmp_project: pathlib.Path) -> None:
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text("routes:\n  - channel: '#dq'\n")
    proc = dqv("run", "training_events", "--ds", "2026-11-01", "--quiet", "--project-dir",
               str(tmp_project), env=NO_SLACK, check_exit=0)
    assert "routes job training_events but neither DQV_SLACK_BOT_TOKEN nor " \
           "DQV_SLACK_WEBHOOK_URL is set; no Slack alerts" in proc.stderr


def test_an_unreachable_slack_prints_only_dqvs_own_lines(tmp_project: pathlib.Path) -> None:
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text("routes:\n  - channel: '#dq'\n")
    env = {**NO_SLACK, "DQV_SLACK_BOT_TOKEN": "xoxb-1-2-secret",
           "DQV_SLACK_BASE_URL": f"http://127.0.0.1:{_closed_port()}/api/"}
    proc = dqv("run", "training_events", "--ds", "2026-11-06", "--quiet", "--project-dir",
               str(tmp_project), env=env, check_exit=0)  # a warning day: one alert to send
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert any("Slack is unreachable" in line for line in lines), proc.stderr
    assert all(line.startswith("dqv: ") for line in lines), proc.stderr  # no slack_sdk ERROR
    assert "slack_sdk" not in proc.stderr


def test_a_mistyped_partition_column_gets_did_you_mean(tmp_project: pathlib.Path) -> None:
    job_file = tmp_project / "jobs" / "training_events.yaml"
    job = yaml.safe_load(job_file.read_text())
    job["source"]["path"] = "sample_data/training_events/ds=2026-11-01"
    job["source"]["partition"] = {"column": "event_tme"}
    job_file.write_text(yaml.safe_dump(job))
    proc = dqv("run", "training_events", "--ds", "2026-11-01", "--quiet", "--project-dir",
               str(tmp_project), env=NO_SLACK, check_exit=2)
    assert "partition column 'event_tme' is not in the file (did you mean 'event_time'?)" \
        in proc.stderr
