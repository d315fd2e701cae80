"""The Slack notifier against the stand-in (real slack_sdk, real HTTP) with its state in a
real ML Metadata SQLite store: limits, routing, outbox order, webhooks, rejected messages."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from tests.conftest import REPO
from tests.support.slack_standin import SlackStandin, channel_id, server_error, slack_error
from validator.config.job import Job, load_job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.core.result import RunResult
from validator.errors import DeliveryError
from validator.notify.slack.mlmd_state import MlmdAlertStore
from validator.notify.slack.notifier import SlackNotifier
from validator.notify.slack.routes import Routes
from validator.notify.slack.transport import SlackSettings, build_transport

TOKEN = "xoxb-component-test"


def finding(feature: str, anomaly: str = "SCHEMA_MISSING_COLUMN", severity: str = "error") -> dict[str, Any]:
    return {"feature": feature, "anomaly_type": anomaly, "severity": severity,
            "short_description": "Column dropped", "description": f"Column {feature} is missing",
            "value": None, "threshold": None}


def result(ds: str, outcome: Outcome, *findings: dict[str, Any], error: str | None = None) -> RunResult:
    return RunResult(RunRecord(run_id=f"run-{ds}", job="training_events", ds=ds, started_at=ds,
                               outcome=outcome, findings=list(findings), error=error,
                               artifact_dir=f"/artifacts/training_events/ds={ds}"))


@pytest.fixture
def job() -> Job:
    return load_job(REPO / "jobs" / "training_events.yaml")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def notifier(tmp_path: pathlib.Path, settings: SlackSettings, routes: dict[str, Any] | None = None,
             clock: Clock | None = None) -> SlackNotifier:
    parsed = Routes.model_validate(routes or {"routes": [{"channel": "#ml-data-quality"}]})
    return SlackNotifier(parsed, settings, store=lambda: MlmdAlertStore.open(tmp_path),
                         transport=lambda: build_transport(settings), clock=clock or Clock())


def web(standin: SlackStandin) -> SlackSettings:
    return SlackSettings(token=TOKEN, base_url=standin.base_url, max_retries=1)


def test_500_anomalous_features_post_one_message_within_slack_limits(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    many = [finding(f"feature_{i:03d}") for i in range(500)]
    notifier(tmp_path, web(slack_standin)).run_finished(job, result("2026-11-07", Outcome.BLOCK, *many))
    [post] = slack_standin.posts()
    blocks = post.data["blocks"]
    assert len(blocks) <= 50
    texts = [b["text"]["text"] for b in blocks if "text" in b]
    assert all(len(t) <= 3000 for t in texts) and len(post.data["text"]) <= 3000
    listed = sum(t.count(":red_circle:") for t in texts)
    assert 0 < listed < 500
    assert f"…and {500 - listed} more (not listed here; see the report)" in texts
    assert "*500 anomalies: 500 errors, 0 warnings*" in texts[1]


def test_routes_split_a_run_by_owner_and_resolve_per_channel(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    routes = {"owners": {"payments": ["cart_value"]},
              "routes": [{"owner": "payments", "channel": "#payments", "mention_on_block": ["S0PAYMENTS"]},
                         {"channel": "#ml-data-quality"}]}
    clock = Clock()
    slack = notifier(tmp_path, web(slack_standin), routes, clock)
    slack.run_finished(job, result("2026-11-09", Outcome.BLOCK, finding("cart_value"), finding("age")))
    clock.now += 60
    slack.run_finished(job, result("2026-11-10", Outcome.BLOCK, finding("age")))
    ml, pay, ml_reply, pay_resolved = slack_standin.posts()  # channels in name order per run
    assert (pay.data["channel"], ml.data["channel"]) == ("#payments", "#ml-data-quality")
    assert "<!subteam^S0PAYMENTS>" in pay.data["blocks"][1]["text"]["text"]
    assert "subteam" not in str(ml.data["blocks"])
    # Replies go to the channel ID Slack answered with, in the right thread.
    assert (ml_reply.data["channel"], ml_reply.data["thread_ts"]) == (channel_id("#ml-data-quality"),
                                                                      "1700000000.000001")
    assert (pay_resolved.data["channel"], pay_resolved.data["thread_ts"]) == (channel_id("#payments"),
                                                                              "1700000000.000002")
    assert pay_resolved.data["text"].startswith("Resolved:")


def test_repeats_after_the_suppression_window_start_a_new_thread(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    clock = Clock()
    slack = notifier(tmp_path, web(slack_standin),
                     {"suppression_window_hours": 1, "routes": [{"channel": "#ml-data-quality"}]}, clock)
    slack.run_finished(job, result("2026-11-07", Outcome.BLOCK, finding("age")))
    clock.now += 1800
    slack.run_finished(job, result("2026-11-08", Outcome.BLOCK, finding("age")))
    clock.now += 1800
    slack.run_finished(job, result("2026-11-09", Outcome.BLOCK, finding("age")))
    first, reply, fresh = slack_standin.posts()
    assert "thread_ts" not in first.data and reply.data["thread_ts"] == "1700000000.000001"
    assert "thread_ts" not in fresh.data
    [thread] = MlmdAlertStore.open(tmp_path).open_threads("training_events")
    assert thread.ts == "1700000000.000003"


def test_not_evaluated_is_an_alert_not_a_resolution(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    slack = notifier(tmp_path, web(slack_standin))
    slack.run_finished(job, result("2026-11-07", Outcome.NOT_EVALUATED,
                                   error="no data for ds=2026-11-07 at <!here>"))
    [post] = slack_standin.posts()
    assert "NOT_EVALUATED" in post.data["blocks"][0]["text"]["text"]
    assert "not evaluated" in post.data["blocks"][1]["text"]["text"]
    assert "&lt;!here&gt;" in post.data["blocks"][1]["text"]["text"]


def test_a_message_slack_refuses_is_set_aside_and_later_ones_still_go(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    slack = notifier(tmp_path, web(slack_standin))
    slack_standin.script(slack_error("channel_not_found"))
    with pytest.raises(DeliveryError, match="refused 1 message"):
        slack.run_finished(job, result("2026-11-07", Outcome.BLOCK, finding("age")))
    slack.run_finished(job, result("2026-11-08", Outcome.BLOCK, finding("age")))
    [post] = slack_standin.posts()
    assert "thread_ts" not in post.data  # its thread never opened; the repeat stands alone
    assert MlmdAlertStore.open(tmp_path).pending() == []


def test_outbox_keeps_order_across_outages(slack_standin: SlackStandin, tmp_path: pathlib.Path,
                                           job: Job) -> None:
    slack = notifier(tmp_path, web(slack_standin))
    slack_standin.script(then=server_error())
    for ds in ("2026-11-07", "2026-11-08"):
        with pytest.raises(DeliveryError, match="wait in the outbox"):
            slack.run_finished(job, result(ds, Outcome.BLOCK, finding("age")))
    # While Slack is down only the head of the queue is tried each time: 2 tries per run.
    assert len(slack_standin.requests) == 4 and slack_standin.posts() == []
    assert [e.kind for e in MlmdAlertStore.open(tmp_path).pending()] == ["open", "reply"]
    slack_standin.reset()
    slack.run_finished(job, result("2026-11-11", Outcome.PASS))
    opened, reply, resolved = slack_standin.posts()
    assert "ds=2026-11-07" in opened.data["blocks"][0]["text"]["text"]
    assert reply.data["thread_ts"] == resolved.data["thread_ts"] == "1700000000.000001"


def test_webhook_posts_alert_and_resolution_but_not_repeats(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    settings = SlackSettings(webhook_url=slack_standin.webhook_url, max_retries=1)
    slack = notifier(tmp_path, settings)
    slack.run_finished(job, result("2026-11-07", Outcome.BLOCK, finding("age")))
    slack.run_finished(job, result("2026-11-08", Outcome.BLOCK, finding("age")))
    slack.run_finished(job, result("2026-11-11", Outcome.PASS))
    alert, resolved = slack_standin.posts()
    assert all(p.path.startswith("/services/") for p in slack_standin.requests)
    assert "ds=2026-11-07" in alert.data["blocks"][0]["text"]["text"]
    assert resolved.data["text"].startswith("Resolved:")


def test_a_bad_webhook_names_its_setting(slack_standin: SlackStandin, tmp_path: pathlib.Path,
                                         job: Job) -> None:
    from tests.support.slack_standin import invalid_auth

    settings = SlackSettings(webhook_url=slack_standin.webhook_url, max_retries=1)
    slack_standin.script(then=invalid_auth())
    with pytest.raises(DeliveryError, match="set DQV_SLACK_WEBHOOK_URL") as err:
        notifier(tmp_path, settings).run_finished(job, result("2026-11-07", Outcome.BLOCK, finding("age")))
    assert slack_standin.webhook_url not in str(err.value)


def test_two_notifiers_at_once_deliver_each_waiting_message_once(
        slack_standin: SlackStandin, tmp_path: pathlib.Path, job: Job) -> None:
    import threading

    from validator.notify.slack.setup import outbox_lock

    def locked() -> SlackNotifier:
        parsed = Routes.model_validate({"routes": [{"channel": "#ml-data-quality"}]})
        settings = web(slack_standin)
        return SlackNotifier(parsed, settings, store=lambda: MlmdAlertStore.open(tmp_path),
                             transport=lambda: build_transport(settings), clock=Clock(),
                             lock=lambda: outbox_lock(tmp_path))

    slack_standin.script(then=server_error())
    for ds in ("2026-11-07", "2026-11-08", "2026-11-09"):
        with pytest.raises(DeliveryError):
            locked().run_finished(job, result(ds, Outcome.BLOCK, finding("age")))
    slack_standin.reset()
    errors: list[BaseException] = []

    def run(ds: str) -> None:
        try:
            locked().run_finished(job, result(ds, Outcome.BLOCK, finding("age")))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(ds,)) for ds in ("2026-11-10", "2026-11-11")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    headers = [p.data["blocks"][0]["text"]["text"] for p in slack_standin.posts()]
    assert len(headers) == 5 and len(set(headers)) == 5  # nothing posted twice
    assert [h.split(" · ")[1] for h in headers[:3]] == ["ds=2026-11-07", "ds=2026-11-08", "ds=2026-11-09"]
