"""Row evidence in a Slack alert (notify/slack/evidence.py): a few rows per finding of this
channel, in a code block no value can break out of, and the query."""

from __future__ import annotations

from validator.core.evidence import RowEvidence
from validator.core.outcome import Outcome
from validator.notify.slack.blocks import AlertFacts, alert_message
from validator.notify.slack.mrkdwn import unescape

HOSTILE = "```<!channel> *x* `y`\x1b[31m"


def _facts(evidence: tuple[RowEvidence, ...]) -> AlertFacts:
    finding = {"feature": "device", "anomaly_type": "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
               "severity": "error", "short_description": "Unexpected string values",
               "description": "x"}
    return AlertFacts(job="j", ds="2026-11-08", outcome=Outcome.BLOCK, run_id="r",
                      findings=(finding,), evidence=evidence)


def test_three_rows_of_this_channels_findings_in_a_code_block_and_the_query() -> None:
    rows = tuple((HOSTILE, str(i)) for i in range(20))
    mine = RowEvidence("device", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "duckdb",
                       "SELECT * FROM t WHERE \"device\" <> 'a'", ("device", "n"), rows,
                       truncated=True)
    other = RowEvidence("age", "INT_TYPE_BIG_INT", "duckdb", "SELECT 1", ("age",), (("999",),))
    texts = [b["text"]["text"] for b in alert_message(_facts((mine, other))).blocks
             if b["type"] == "section"]
    evidence = [t for t in texts if t.startswith("*Rows*")]
    assert len(evidence) == 1  # the age finding is not in this message
    text = evidence[0]
    assert "3 of 20 sample rows, more match" in text
    assert text.count("```") == 4  # two blocks, none closed early by a value
    assert "<!channel>" not in text and "\x1b" not in text
    assert "\\x1b[31m" in text  # shown escaped
    assert """SELECT * FROM t WHERE "device" <> 'a'""" in unescape(text)
    assert sum(line.startswith("ˋˋˋ") for line in text.splitlines()) == 3
