"""Slack message building, escaping, routing and threading decisions: pure logic."""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any

import pytest

from validator.core.outcome import Outcome
from validator.errors import ConfigError
from validator.notify.slack.blocks import AlertFacts, Limits, alert_message, finding_line, resolved_message
from validator.notify.slack.mrkdwn import ZWSP, code, escape, unescape
from validator.notify.slack.plan import PlanInput, plan
from validator.notify.slack.routes import ChannelFindings, Routes, load_routes, split_by_channel
from validator.notify.slack.state import Thread, alert_key


def finding(feature: str, anomaly: str = "ENUM_TYPE_UNEXPECTED_STRING_VALUES", severity: str = "error",
            **extra: Any) -> dict[str, Any]:
    return {"feature": feature, "anomaly_type": anomaly, "severity": severity,
            "short_description": "Unexpected string values", "description": "", "value": None,
            "threshold": None, **extra}


def facts(*findings: dict[str, Any], outcome: Outcome = Outcome.BLOCK, **extra: Any) -> AlertFacts:
    return AlertFacts(job="training_events", ds="2026-11-07", outcome=outcome, run_id="r1",
                      findings=findings, **extra)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", []))
    return out


@pytest.mark.parametrize("value", ["<!channel>", "<@U123>", "<https://evil|click>", "*bold*", "_it_",
                                   "~strike~", "`code`", "a & b", "<!subteam^S1>", "x > y < z"])
def test_escape_neutralizes_mentions_links_and_formatting(value: str) -> None:
    escaped = escape(value)
    assert "<" not in escaped and ">" not in escaped
    for char in "*_~`":
        assert f"{char}{ZWSP}" in escaped or char not in value
        # Every formatting character is fenced on both sides, so none can pair up.
        assert escaped.count(char) == escaped.count(f"{ZWSP}{char}{ZWSP}")
    assert unescape(escaped) == value


def test_escape_goldens() -> None:
    assert escape("<!channel> & *x*") == f"&lt;!channel&gt; &amp; {ZWSP}*{ZWSP}x{ZWSP}*{ZWSP}"
    assert escape("a\nb\tc") == "a b c"  # one line: a value cannot start a new block quote
    assert escape("abcdef", limit=4) == "abc…"
    assert code("a`b<c>") == "`aˋb&lt;c&gt;`"


def test_finding_line_shows_value_threshold_and_the_offending_values() -> None:
    line = finding_line(finding("country", "COMPARATOR_L_INFTY_HIGH", value=0.234567, threshold=0.1,
                                short_description="High Linfty distance between current and previous",
                                description="The Linfty distance is 0.2346 (up to six significant "
                                            "digits), above the threshold 0.1. The feature value with "
                                            "maximum difference is: <!here>"))
    assert line.startswith(":red_circle: `country` `COMPARATOR_L_INFTY_HIGH` — High Linfty")
    # A record without a detail (written before explain.py): the measured value, the threshold
    # and TFDV's own words.
    assert "\n      observed: 0.235\n      expected: &lt;= 0.1\n" in line
    assert "maximum difference is: &lt;!here&gt;" in line


def test_alert_message_orders_by_severity_and_says_where_to_look() -> None:
    message = alert_message(facts(finding("zeta", severity="warning"), finding("alpha", severity="warning"),
                                  finding("beta"), artifact_dir="/a/run-1",
                                  mentions=("S0ONCALL",), owner="ml-growth"))
    header, summary, listing, step, context = message.blocks
    assert header["text"] == {"type": "plain_text", "emoji": True,
                              "text": "🔴 training_events · ds=2026-11-07 · BLOCK"}
    assert summary["text"]["text"].splitlines() == [
        ":no_entry: *Gate: blocked* — do not train on ds=2026-11-07 <!subteam^S0ONCALL>",
        "Owner: `ml-growth`", "*3 anomalies: 1 error, 2 warnings*"]
    heads = [line for line in listing["text"]["text"].splitlines() if not line.startswith(" ")]
    assert [line.split("`")[1] for line in heads] == ["beta", "alpha", "zeta"]
    assert step["text"]["text"].startswith("*Next step*: `dqv show r1`")
    assert "`/a/run-1`" in context["elements"][0]["text"]
    assert message.text.startswith("`training_events` ds=2026-11-07: BLOCK — 3 anomalies: 1 error, "
                                   "2 warnings: `beta` `ENUM_TYPE_UNEXPECTED_STRING_VALUES`, `alpha`")
    assert all(t["type"] == "mrkdwn" and t["verbatim"] for b in message.blocks[1:]
               for t in ([b["text"]] if "text" in b else b["elements"]))


def test_mentions_only_for_blocking_outcomes() -> None:
    message = alert_message(facts(finding("a", severity="warning"), outcome=Outcome.WARN,
                                  mentions=("S0ONCALL",)))
    assert not any("subteam" in t for t in texts(message.blocks))


def test_500_anomalies_stay_within_slack_limits_and_count_the_rest() -> None:
    many = [finding(f"feature_{i:03d}_" + "x" * 60, description="values " + "<&>" * 200)
            for i in range(500)]
    message = alert_message(facts(*many))
    assert len(message.blocks) <= 50
    assert all(len(t) <= 3000 for t in texts(message.blocks))
    assert len(message.text) <= 3000
    listed = sum(t.count(":red_circle:") for t in texts(message.blocks))
    more = next(t for t in texts(message.blocks) if t.startswith("…and "))
    assert more == f"…and {500 - listed} more (not listed here; see the report)"
    assert listed <= Limits().max_listed  # long lines: the section limit cuts first
    assert "and" in message.text and message.text.endswith("more")
    short = alert_message(facts(*[finding(f"f{i:03d}") for i in range(500)]))
    assert sum(t.count(":red_circle:") for t in texts(short.blocks)) == Limits().max_listed
    assert f"…and {500 - Limits().max_listed} more (not listed here; see the report)" in \
        texts(short.blocks)


def test_section_limit_is_what_cuts_when_lines_are_long() -> None:
    limits = Limits(max_blocks=6, max_listed=1000)
    many = [finding(f"f{i}", description="d" * 500) for i in range(100)]
    message = alert_message(facts(*many), limits)
    assert len(message.blocks) == 6 and all(len(t) <= 3000 for t in texts(message.blocks))
    listed = sum(t.count(":red_circle:") for t in texts(message.blocks))
    assert f"…and {100 - listed} more" in texts(message.blocks)[-3]


def test_resolved_message() -> None:
    message = resolved_message("training_events", "2026-11-11", "r9", 3)
    assert "*Resolved*" in message.blocks[0]["text"]["text"]
    assert unescape(message.text) == ("Resolved: training_events ds=2026-11-11: the 3 anomalies "
                                      "reported in this thread are cleared.")


ROUTES = Routes.model_validate({
    "owners": {"payments": ["cart_*"]},
    "routes": [
        {"job": "training_*", "owner": "payments", "channel": "#payments", "mention_on_block": ["S0PAY001"]},
        {"job": "training_*", "severity": "error", "channel": "#ml-oncall", "mention_on_block": ["S0ML0001"]},
        {"job": "*", "severity": "warning", "channel": "#ml-data-quality"},
    ]})


def test_routing_by_owner_severity_and_job() -> None:
    routed = split_by_channel(ROUTES, "training_events", "ml-growth", [
        finding("cart_value"), finding("age"), finding("device", severity="warning"),
        finding("country", severity="ignore")])
    assert {c: [f["feature"] for f in g.findings] for c, g in routed.items()} == {
        "#payments": ["cart_value"], "#ml-oncall": ["age"], "#ml-data-quality": ["device"]}
    assert routed["#payments"].mentions == ["S0PAY001"]
    other = split_by_channel(ROUTES, "clicks", "web", [finding("cart_value")])
    assert list(other) == ["#ml-data-quality"]
    assert ROUTES.is_routed("anything") and ROUTES.channels_for("clicks") == ["#ml-data-quality"]


@pytest.mark.parametrize("text, where", [
    ("routes: []\n", "routes.yaml:1, field 'routes'"),
    ("routes:\n  - channel: '#ok'\n    mention_on_block: ['@here']\n",
     "routes.yaml:3, field 'routes[0].mention_on_block'"),
    ("suppression_window_hours: 0\nroutes:\n  - channel: '#a'\n",
     "routes.yaml:1, field 'suppression_window_hours'"),
    ("routes:\n  - channel: '#a'\n    severity: ignore\n", "routes.yaml:3, field 'routes[0].severity'"),
    ("owner_groups: {team-a: S01}\nroutes:\n  - channel: '#a'\n", "routes.yaml:1, field 'owner_groups'"),
    ("public_url: 'https://dqv example'\nroutes:\n  - channel: '#a'\n",
     "routes.yaml:1, field 'public_url'"),
])
def test_routes_errors_name_file_line_and_field(tmp_path: pathlib.Path, text: str, where: str) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_routes(path)
    assert where in str(err.value)


def _given(threads: list[Thread], findings: list[dict[str, Any]], now: float = 1000.0,
           window: float = 3600.0, threads_supported: bool = True) -> PlanInput:
    routed = {"#c": ChannelFindings(findings=list(findings))} if findings else {}
    return PlanInput(facts=facts(*findings), routed=routed, open_threads=threads, now=now,
                     window_seconds=window, threads_supported=threads_supported)


def test_plan_opens_then_replies_then_resolves() -> None:
    actions, changed = plan(_given([], [finding("age")]))
    [opened] = actions
    assert opened.kind == "open" and changed == [opened.thread]
    thread = Thread(**{**opened.thread.__dict__, "ts": "1.1"})
    assert thread.open_keys == (alert_key(finding("age")),)

    [reply], [updated] = plan(_given([thread], [finding("age"), finding("cart")], now=2000))
    assert reply.kind == "reply" and reply.thread.thread_id == thread.thread_id
    assert "1 new, 1 still open, 0 cleared" in texts(reply.message.blocks)[1]
    assert updated.open_keys == (alert_key(finding("age")), alert_key(finding("cart")))

    [resolve], [closed] = plan(_given([updated], [], now=3000))
    assert resolve.kind == "resolve" and closed.closed and resolve.thread.thread_id == thread.thread_id
    assert "the 2 anomalies" in resolve.message.text
    assert plan(_given([], [])) == ([], [])


def test_plan_after_the_window_alerts_afresh() -> None:
    thread = Thread("j/#c/r0", "training_events", "#c", opened_at=0.0, open_keys=("a",), ts="1.1")
    actions, changed = plan(_given([thread], [finding("age")], now=3600.0, window=3600.0))
    assert [a.kind for a in actions] == ["open"]
    assert changed[0].thread_id == thread.thread_id and changed[0].closed
    assert changed[1].thread_id != thread.thread_id and not changed[1].closed


def test_plan_with_webhooks_remembers_repeats_without_posting() -> None:
    key = alert_key(finding("age"))
    thread = Thread("j/#c/r0", "training_events", "#c", opened_at=900.0, open_keys=(key,))
    actions, changed = plan(_given([thread], [finding("age")], threads_supported=False))
    assert actions == [] and changed[0].open_keys == (key,)


def test_plan_with_webhooks_posts_a_new_anomaly_inside_the_window() -> None:
    thread = Thread("j/#c/r0", "training_events", "#c", opened_at=900.0, open_keys=("a",))
    actions, _ = plan(_given([thread], [finding("age")], threads_supported=False))
    assert [a.kind for a in actions] == ["open"]  # no thread to reply in: a new message


def test_plan_keeps_a_thread_open_when_the_run_was_not_evaluated() -> None:
    thread = Thread("j/#c/r0", "training_events", "#c", opened_at=900.0, open_keys=("a",), ts="1.1")
    given = _given([thread], [])
    given = dataclasses.replace(given, facts=dataclasses.replace(given.facts,
                                                                 outcome=Outcome.NOT_EVALUATED))
    actions, _ = plan(given)
    assert actions == []  # nothing is known to have cleared
