"""What a Slack alert tells the reader to do (notify/slack/findings.py): the verdict, who owns
it, links when `public_url` is set, `dqv show`, a waiver snippet that is valid job YAML, sample
rows from row evidence, and no anomaly count for a run that was not evaluated."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from validator.core.evidence import MASK, RowEvidence
from validator.core.outcome import Outcome
from validator.core.policy import Waiver
from validator.notify.slack.blocks import AlertFacts, alert_message
from validator.notify.slack.findings import waiver_snippet
from validator.notify.slack.notifier import NOT_EVALUATED
from validator.notify.slack.routes import Routes, split_by_channel


def finding(feature: str, anomaly: str = "INT_TYPE_BIG_INT", severity: str = "error",
            **extra: Any) -> dict[str, Any]:
    return {"feature": feature, "anomaly_type": anomaly, "severity": severity,
            "short_description": "Out-of-range values", "description": "Unexpectedly large value: 999.",
            "detail": {"expected": "<= 120 (schema max)", "observed": "max 999"}, **extra}


def texts(facts: AlertFacts) -> str:
    message = alert_message(facts)
    out = [message.text]
    for block in message.blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", []))
    return "\n".join(out)


def facts(*findings: dict[str, Any], **extra: Any) -> AlertFacts:
    values: dict[str, Any] = {"job": "training_events", "ds": "2026-11-08",
                              "outcome": Outcome.BLOCK, "run_id": "r1", "findings": findings,
                              "owner": "ml-growth", **extra}
    return AlertFacts(**values)


def test_the_verdict_line_for_every_outcome() -> None:
    lines = {o: texts(facts(finding("age"), outcome=o)).splitlines()[2]
             for o in (Outcome.BLOCK, Outcome.WARN, Outcome.NOT_EVALUATED)}
    assert lines[Outcome.BLOCK] == ":no_entry: *Gate: blocked* — do not train on ds=2026-11-08"
    assert lines[Outcome.WARN] == "*Gate: passes with warnings* — training on ds=2026-11-08 may go ahead"
    assert lines[Outcome.NOT_EVALUATED].startswith(":no_entry: *Gate: no verdict* (not evaluated)")


def test_a_run_that_was_not_evaluated_is_not_counted_as_an_anomaly() -> None:
    text = texts(facts(dict(NOT_EVALUATED), outcome=Outcome.NOT_EVALUATED, error="cannot read"))
    assert "anomal" not in text  # not "1 anomaly: 1 error", anywhere, the notification included
    assert "*not evaluated*: cannot read" in text and "waivers:" not in text


def test_links_only_with_a_public_url_and_always_the_next_command() -> None:
    without = texts(facts(finding("age"), artifact_dir="/a/r1"))
    assert "*Next step*: `dqv show r1`" in without and "<http" not in without
    assert "artifacts `/a/r1`" in without
    served = texts(facts(finding("age"), public_url="https://dq.example/x", ds=None))
    assert "<https://dq.example/x/reports/latest|report> · <https://dq.example/x/runs/r1|run>" in served


def test_the_waiver_snippet_is_job_yaml_for_the_blocking_findings_only() -> None:
    odd = 'we"ird: name #1'
    snippet = waiver_snippet([finding(odd), finding("age"), finding("device", severity="warning"),
                              dict(NOT_EVALUATED)], "2026-11-08", "ml-growth")
    parsed = [Waiver.model_validate(w) for w in yaml.safe_load(snippet)["waivers"]]
    assert [(w.feature, w.anomaly, w.until, w.owner) for w in parsed] == [
        (odd, "INT_TYPE_BIG_INT", dt.date(2026, 11, 15), "ml-growth"),
        ("age", "INT_TYPE_BIG_INT", dt.date(2026, 11, 15), "ml-growth")]
    waived = finding("age", severity="warning", waiver={
        "until": "2026-12-01", "owner": "x", "reason": "y", "expired": False, "waived_severity": "error"})
    assert waiver_snippet([waived], "2026-11-08", "ml-growth") == ""  # already waived


def test_sample_rows_of_a_finding_go_in_a_code_block() -> None:
    evidence = RowEvidence(feature="age", anomaly_type="INT_TYPE_BIG_INT", dialect="duckdb",
                           query="SELECT * FROM t WHERE age > 120",
                           columns=("user_id", "age", "email"),
                           rows=(("u_1", "999", MASK), ("u_2", "999", MASK), ("u_3", "999", MASK),
                                 ("u_4", "999", MASK)), masked=("email",))
    text = texts(facts(finding("age"), finding("cart", anomaly="UNEXPECTED_DATA_TYPE"),
                       evidence=(evidence,)))
    block = re.search(r"\*Rows\* of `age` `INT_TYPE_BIG_INT`: 3 of 4 sample rows\n```\n(.*?)\n```",
                      text, re.S)
    assert block is not None, text
    assert block[1].splitlines() == ["user_id | age | email", "u_1 | 999 | ***", "u_2 | 999 | ***",
                                     "u_3 | 999 | ***"]
    assert text.count("*Rows* of") == 1  # only the finding that has evidence
    assert "SELECT * FROM t WHERE age &gt; 120" in text  # and the query that finds all of them


def test_owners_and_their_groups_per_channel() -> None:
    routes = Routes.model_validate({
        "owners": {"payments": ["cart_*"]}, "owner_groups": {"payments": "S0PAY0001"},
        "routes": [{"owner": "payments", "channel": "#pay"},
                   {"channel": "#dq", "mention_on_block": ["S0ONCALL1"]}]})
    routed = split_by_channel(routes, "training_events", "ml-growth",
                              [finding("cart_value"), finding("age")])
    assert (routed["#pay"].owners, routed["#pay"].mentions) == (["payments"], ["S0PAY0001"])
    assert (routed["#dq"].owners, routed["#dq"].mentions) == (["ml-growth"], ["S0ONCALL1"])
    text = texts(facts(finding("cart_value"), owners=("payments",), mentions=("S0PAY0001",)))
    assert "Owner: `payments`" in text and "<!subteam^S0PAY0001>" in text
    quiet = texts(facts(finding("cart_value"), outcome=Outcome.WARN, mentions=("S0PAY0001",)))
    assert "subteam" not in quiet  # mentions only when the gate blocks
