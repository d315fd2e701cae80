"""A monitor finding in Slack carries the observed value, the band and what it was learned from."""

from __future__ import annotations

import datetime as dt
import json

from validator.config.job import SeverityConfig
from validator.core import monitors
from validator.core.monitor_settings import MonitorsConfig
from validator.core.outcome import Outcome
from validator.core.run_metrics import HistoryPoint, PartitionMetrics
from validator.notify.slack.blocks import AlertFacts, alert_message, finding_line

WEDNESDAYS = [dt.date(2026, 3, 4) + dt.timedelta(weeks=n) for n in range(8)]


def _finding() -> dict[str, object]:
    days = [WEDNESDAYS[0] + dt.timedelta(days=n) for n in range(56)]
    history = [HistoryPoint(ds=day, run_id=str(n), metrics=PartitionMetrics(
        rows=(600 if day.weekday() >= 5 else 990) + (n % 5) * 10, fingerprint=str(n)))
        for n, day in enumerate(days)]
    ds = days[-1] + dt.timedelta(days=1)
    assert ds.weekday() == 2
    results = monitors.evaluate(history, PartitionMetrics(rows=551, fingerprint="x"), ds,
                                MonitorsConfig())
    (finding,) = monitors.to_findings(results, SeverityConfig())
    return finding.to_json()


def test_the_slack_line_names_observed_band_and_basis() -> None:
    finding = _finding()
    line = finding_line(finding)
    assert "VOLUME_LOW" in line.replace("\u200b", "")
    assert "observed: 551 rows\n" in line
    assert "expected: 909-1,111 from the last 8 Wednesdays" in line
    message = alert_message(AlertFacts(job="events", ds="2026-04-29", outcome=Outcome.BLOCK,
                                       run_id="r1", findings=(finding,)))
    blocks = json.dumps(message.blocks)
    assert "observed: 551 rows" in blocks and "909-1,111 from the last 8 Wednesdays" in blocks


def test_the_run_summary_shows_observed_band_and_learning_monitors() -> None:
    from validator.cli.render import run_summary
    from validator.core.record import RunRecord

    finding = _finding()
    learning = monitors.MonitorResult(key="metric:age:mean", feature="age", metric="mean",
                                      status="learning", message="mean of age 36; learning: 3 of 14")
    record = RunRecord(run_id="r", job="events", ds="2026-04-29", started_at="x",
                       outcome=Outcome.BLOCK, rows=551, findings=[finding],
                       monitors=[learning.to_json()])
    text = run_summary(record)
    assert "observed: 551 rows" in text
    assert "expected: 909-1,111 from the last 8 Wednesdays" in text
    assert "metric:age:mean: mean of age 36; learning: 3 of 14" in text
