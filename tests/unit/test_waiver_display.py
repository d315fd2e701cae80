"""A waiver is shown wherever its anomaly is shown: the `dqv run` summary and Slack lines."""

from __future__ import annotations

from validator.cli.render import run_summary
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.notify.slack.blocks import finding_line

WAIVED = {"feature": "age", "anomaly_type": "INT_TYPE_SMALL_INT", "severity": "warning",
          "short_description": "Out-of-range values", "description": "Unexpectedly small value: -1.",
          "value": None, "threshold": None,
          "waiver": {"until": "2026-12-31", "owner": "ml-growth", "reason": "old app <v2>",
                     "expired": False, "waived_severity": "error"}}
EXPIRED = {**WAIVED, "anomaly_type": "INT_TYPE_BIG_INT", "severity": "error",
           "description": "Unexpectedly large value: 999.",
           "waiver": {**WAIVED["waiver"], "until": "2026-11-07", "expired": True}}  # type: ignore[dict-item]


def test_run_summary_shows_waived_and_expired() -> None:
    record = RunRecord(run_id="r1", job="j", ds="2026-11-08", started_at="2026-11-30T00:00:00+00:00",
                       outcome=Outcome.BLOCK, rows=10, findings=[WAIVED, EXPIRED])
    text = run_summary(record)
    assert "warning (waived)" in text
    # The waiver is a part of its finding, in the one renderer's words (core/finding_text.py).
    small = text.index("INT_TYPE_SMALL_INT")
    assert "waiver:   waived until 2026-12-31 by ml-growth: old app <v2>" in text[small:]
    big, end = text.index("INT_TYPE_BIG_INT"), text.index("INT_TYPE_SMALL_INT")
    assert ("waiver:   waiver expired 2026-11-07 (owner ml-growth); it counts as error again"
            in text[big:end])


def test_slack_line_shows_the_waiver_escaped() -> None:
    assert finding_line(WAIVED).endswith(
        "\n      waiver: waived until 2026-12-31 by ml-growth: old app &lt;v2&gt;")
    assert " (waived)\n" in finding_line(WAIVED)
    assert finding_line(EXPIRED).endswith(
        "\n      waiver: waiver expired 2026-11-07 (owner ml-growth); it counts as error again")
