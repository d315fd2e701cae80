"""Alerts and metrics when their services or their configuration fail: the verdict and exit
code never change, every alert is kept in the outbox with the reason until it can be routed and
delivered, and the metrics of the next run reach the Pushgateway once it is back."""

from __future__ import annotations

import pathlib

from tests.faults.conftest import Case, runs_text
from tests.faults.support import dqv, history, project, run
from tests.support.pushgateway import free_port, start_pushgateway, stop
from tests.support.slack_standin import SlackStandin, server_error
from validator.notify.slack.mlmd_state import MlmdAlertStore

BLOCKED_DAY = "2026-11-07"  # the sample day with a dropped column
BROKEN_ROUTES = "routes:\n  - channel: '#data-quality'\n    sevrity: error\n"
ROUTES = "routes:\n  - channel: '#data-quality'\n"


def _slack(standin: SlackStandin) -> dict[str, str]:
    return {"DQV_SLACK_BOT_TOKEN": "xoxb-fault-suite", "DQV_SLACK_BASE_URL": standin.base_url,
            "DQV_SLACK_WEBHOOK_URL": ""}


def _routes(proj: pathlib.Path, text: str) -> None:
    (proj / "alerts").mkdir(exist_ok=True)
    (proj / "alerts" / "routes.yaml").write_text(text)


def _pending(proj: pathlib.Path) -> list[str]:
    return [e.kind for e in MlmdAlertStore.open(proj / "out").pending()]


def test_alert_of_a_run_with_broken_routes_waits_and_is_delivered_once_fixed(
        tmp_path: pathlib.Path, slack_standin: SlackStandin, case: Case) -> None:
    proj = project(tmp_path, days=(BLOCKED_DAY,), files=1)
    _routes(proj, BROKEN_ROUTES)
    env = _slack(slack_standin)
    done = run(proj, BLOCKED_DAY, "--json", env=env)
    record = done.json()
    case.verdict, case.exit_code = record["outcome"], done.code
    assert (done.code, record["outcome"]) == (1, "block"), done.err
    assert record["delivery"]["slack"].startswith("failed: alert routes are invalid")
    assert "waits in the outbox" in record["delivery"]["slack"]
    assert slack_standin.posts() == [] and _pending(proj) == ["unrouted"]
    # Still broken: flush says why and that it still waits (exit 2), and loses nothing.
    still = dqv(proj, "alerts", "flush", env=env)
    assert still.code == 2 and "routes.yaml:3" in still.err and "still wait" in still.err
    assert _pending(proj) == ["unrouted"]
    _routes(proj, ROUTES)
    flushed = dqv(proj, "alerts", "flush", env=env)
    assert flushed.code == 0, flushed.err
    [post] = slack_standin.posts()
    assert post.data["channel"] == "#data-quality"
    assert f"ds={BLOCKED_DAY}" in post.data["text"] and "BLOCK" in post.data["blocks"][0]["text"]["text"]
    assert _pending(proj) == []
    assert "outbox empty" in dqv(proj, "alerts", "flush", env=env).out
    case.runs, case.alerts = runs_text(history(proj)), "1 delivered"


def test_slack_down_then_back_delivers_every_alert_once(
        tmp_path: pathlib.Path, slack_standin: SlackStandin, case: Case) -> None:
    proj = project(tmp_path, days=(BLOCKED_DAY,), files=1)
    _routes(proj, ROUTES)
    env = _slack(slack_standin)
    slack_standin.script(then=server_error())
    done = run(proj, BLOCKED_DAY, "--json", env=env)
    record = done.json()
    assert (done.code, record["outcome"]) == (1, "block"), done.err
    assert record["delivery"]["slack"].startswith("failed:")
    assert slack_standin.posts() == [] and _pending(proj) == ["open"]
    slack_standin.reset()  # Slack is back
    assert dqv(proj, "alerts", "flush", env=env).code == 0
    assert len(slack_standin.posts()) == 1 and _pending(proj) == []
    assert "outbox empty" in dqv(proj, "alerts", "flush", env=env).out
    assert len(slack_standin.posts()) == 1  # delivered once
    case.verdict, case.exit_code, case.runs = "block", done.code, runs_text(history(proj))
    case.alerts = "1 delivered"


def test_pushgateway_down_then_back(tmp_path: pathlib.Path, case: Case) -> None:
    proj = project(tmp_path, days=("2026-11-01",), files=1)
    down = run(proj, "2026-11-01", "--json",
               env={"DQV_PUSHGATEWAY_URL": f"http://127.0.0.1:{free_port()}"})
    record = down.json()
    assert (down.code, record["outcome"]) == (0, "pass"), down.err
    assert record["delivery"]["metrics"].startswith("failed: cannot push metrics")
    gateway = start_pushgateway(str(tmp_path))
    try:
        back = run(proj, "2026-11-01", "--json", env={"DQV_PUSHGATEWAY_URL": gateway.url})
        assert (back.code, back.json()["delivery"]["metrics"]) == (0, "ok"), back.err
        series = gateway.scrape()
    finally:
        stop(gateway.process)
    outcome = {dict(labels)["outcome"]: value for (name, labels), value in series.items()
               if name == "dqv_run_outcome" and dict(labels).get("job") == "training_events"}
    assert outcome["pass"] == 1.0
    records = history(proj)
    assert [r.outcome.value if r.outcome else None for r in records] == ["pass", "pass"]
    case.verdict, case.exit_code, case.runs = "pass", back.code, runs_text(records)
    case.alerts = "metrics: failed, ok"
