"""Acceptance 4 of issue 18: one finding, rendered through every output — the `dqv run` summary,
`dqv show`, `dqv gate`, the Slack alert, the Slack digest and the HTML report — reads the same:
once each medium's markup is taken off (mrkdwn code spans, entities and fences; HTML tags and
entities), every part of `describe()` (headline, observed, expected, rows affected, examples) is
there, word for word."""

from __future__ import annotations

import html
import html.parser
import re

import pytest

from tests.conftest import REPO
from validator.cli.render import run_summary
from validator.cli.show import render_show, show_data
from validator.config.job import load_job
from validator.core.finding_text import describe, sentence
from validator.core.findings import Detail, Finding, ValueCount
from validator.core.outcome import Outcome, Severity
from validator.core.record import RunRecord
from validator.notify.slack.blocks import AlertFacts, Message, alert_message
from validator.notify.slack.mrkdwn import ZWSP
from validator.report.data import DayReport, JobInfo, JobReport
from validator.report.digest import digest_message
from validator.report.page import render_page
from validator.run.gate import summary, verdict_from_record

FEATURE = "user_*tier*_v2"
FINDING = Finding(
    feature=FEATURE, anomaly_type="ENUM_TYPE_UNEXPECTED_STRING_VALUES", severity=Severity.ERROR,
    short_description="Unexpected string values",
    description="Examples contain values missing from the schema: platinum_plus (~10%).",
    detail=Detail(expected="one of gold, silver (schema domain) & nothing <else>",
                  observed="2 values not in the domain", rows_affected=240, rows_total=2000,
                  examples=(ValueCount("platinum_plus", 200), ValueCount("<b>x</b>", 40))))


def _record() -> RunRecord:
    return RunRecord(run_id="20261110T060000000Z-abc123", job="training_events", ds="2026-11-10",
                     started_at="2026-11-30T06:00:00+00:00", ended_at="2026-11-30T06:00:09+00:00",
                     outcome=Outcome.BLOCK, rows=2000, findings=[FINDING], baseline_ds="2026-11-05")


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def _mrkdwn_text(message: Message) -> str:
    """What a Slack reader sees: code-span backticks and fences off, entities read back."""
    texts = [message.text]
    for block in message.blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []))
    text = "\n".join(texts).replace(ZWSP, "").replace("`", "")
    return html.unescape(text)


def _outputs() -> dict[str, str]:
    record = _record()
    job = load_job(REPO / "jobs" / "training_events.yaml")
    report = DayReport("2026-11-10", "ds", "2026-11-30T07:00:00+00:00",
                       [JobReport(JobInfo("training_events", "ml-growth"), record, None, [], [])])
    facts = AlertFacts(job=record.job, ds=record.ds, outcome=Outcome.BLOCK, run_id=record.run_id,
                       findings=(FINDING.to_json(),), owner="ml-growth")
    return {
        "dqv run": run_summary(record),
        "dqv show": render_show(show_data(record, None)),
        "dqv gate": summary(verdict_from_record(job, record, "history")),
        "slack alert": _mrkdwn_text(alert_message(facts)),
        "slack digest": _mrkdwn_text(digest_message(report, "https://dqv.example.com/reports/x")),
        "html report": _html_text(render_page(report)),
    }


OUTPUTS = _outputs()


@pytest.mark.parametrize("medium", sorted(OUTPUTS))
def test_every_output_has_the_same_words(medium: str) -> None:
    text = " ".join(OUTPUTS[medium].split())
    words = describe(FINDING)
    assert words.parts() == [
        ("observed", "2 values not in the domain"),
        ("expected", "one of gold, silver (schema domain) & nothing <else>"),
        ("affected", "240 of 2,000 rows (12%)"),
        ("examples", "platinum_plus (200), <b>x</b> (40)")]
    for needed in (FEATURE, FINDING.anomaly_type, words.headline):
        assert needed in text, (medium, needed)
    for label, value in words.parts():
        assert re.search(rf"{label}:? {re.escape(value)}", text), (medium, label, value, text)


def test_the_sentence_is_those_parts_in_that_order() -> None:
    assert sentence(FINDING) == (
        "Unexpected string values: observed 2 values not in the domain; expected one of gold, "
        "silver (schema domain) & nothing <else>; affected 240 of 2,000 rows (12%); examples "
        "platinum_plus (200), <b>x</b> (40)")
