"""The day's digest through the real slack_sdk client to the Slack stand-in."""

from __future__ import annotations

import datetime as dt

import pytest
from slack_sdk import WebClient

from tests.support.report_fixtures import Project
from tests.support.slack_standin import SlackStandin, invalid_auth, rate_limited
from validator.errors import DeliveryError
from validator.report import build_report
from validator.report.command import slack_client
from validator.report.digest import digest_message, send_digest

URL = "https://dq.example.com/reports/2026-11-06"


def test_one_digest_for_all_jobs_blocked_first(four_outcomes: Project, slack_standin: SlackStandin,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DQV_SLACK_BOT_TOKEN", "xoxb-digest-test")
    monkeypatch.setenv("DQV_SLACK_BASE_URL", slack_standin.base_url)
    report = build_report(four_outcomes.project, four_outcomes.root, dt.date(2026, 11, 6))
    slack_standin.script(rate_limited(retry_after=0))  # retried by slack_sdk's handler
    ts = send_digest(slack_client(), "#data-quality", digest_message(report, URL))
    posts = slack_standin.posts()
    assert len(posts) == 1 and ts
    data = posts[0].data
    assert data["channel"] == "#data-quality"
    assert posts[0].headers["Authorization"] == "Bearer xoxb-digest-test"
    blocks = data["blocks"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0] == "*4 job run(s)*: 🔴 1 blocked · ⚫ 1 not evaluated · 🟡 1 warn · ✅ 1 pass"
    body = "\n".join(sections[1:])
    # Job names in code spans, with no zero-width space inside: copied, they are the names.
    order = [body.index(name) for name in ("`strict_events`", "`missing_events`",
                                            "`training_events`", "`lenient_events`")]
    assert order == sorted(order)  # blocked, not evaluated, warn, then the passed line
    assert "\u200b" not in data["text"] and "Blocked: `strict_events`" in data["text"]
    assert "`ENUM\u02cbTYPE" not in body and "`ENUM_TYPE_UNEXPECTED_STRING_VALUES`" in body
    assert f"<{URL}|open the report>" in blocks[-1]["elements"][0]["text"]
    assert data["text"].startswith("dqv data quality 2026-11-06: 1 blocked, 1 not evaluated")


def test_a_refused_digest_is_a_clear_delivery_error(four_outcomes: Project,
                                                    slack_standin: SlackStandin) -> None:
    report = build_report(four_outcomes.project, four_outcomes.root, dt.date(2026, 11, 6))
    slack_standin.script(invalid_auth())
    client = WebClient(token="xoxb-wrong", base_url=slack_standin.base_url)
    with pytest.raises(DeliveryError, match=r"invalid_auth.*DQV_SLACK_BOT_TOKEN"):
        send_digest(client, "#data-quality", digest_message(report, URL))
    assert slack_standin.posts() == []
