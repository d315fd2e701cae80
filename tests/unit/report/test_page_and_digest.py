"""The report page and the Slack digest from a day report built in memory: hostile values
stay text, the page loads nothing, the digest keeps Slack's limits."""

from __future__ import annotations

import html.parser
import json
import pathlib

from validator.core.evidence import RowEvidence
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.notify.slack.mrkdwn import unescape
from validator.report.data import DayReport, JobInfo, JobReport, TrendPoint
from validator.report.digest import digest_message
from validator.report.features import Bucket, FeatureComparison, FeatureSummary
from validator.report.page import PageOptions, relative_links, render_page

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><svg onload=alert(1)>'
SLACK_HOSTILE = "<!channel> *bold* <https://x|y> & _it_"


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _job(name: str, outcome: Outcome, feature: str = IMG, category: str = SCRIPT) -> JobReport:
    record = RunRecord(run_id=f"run-{name}", job=name, ds="2026-11-06",
                       started_at="2026-11-06T06:00:00+00:00", outcome=outcome, rows=10,
                       artifact_dir=f"/tmp/a/{name}", statistics=f"/tmp/a/{name}/FeatureStats.pb",
                       findings=[{"feature": feature, "anomaly_type": "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
                                  "severity": "error" if outcome is Outcome.BLOCK else "warning",
                                  "short_description": BREAKOUT, "description": f"value {category}"}])
    if outcome is Outcome.NOT_EVALUATED:
        record.error, record.findings = f"no data at {SCRIPT}", []
    else:
        record.evidence = [RowEvidence(feature, "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "duckdb",
                                       f"SELECT * FROM t WHERE c = '{SCRIPT}'", columns=(IMG, "id"),
                                       rows=((BREAKOUT, "1"), (None, "2")))]
    now = FeatureSummary(feature, "STRING", 0.1, unique=2, top_values=((category, 0.6), (BREAKOUT, 0.4)))
    before = FeatureSummary(feature, "STRING", 0.0, unique=1, top_values=(("a", 1.0),))
    number = FeatureSummary(BREAKOUT, "FLOAT", 0.0, 1, 2, 3, 1, histogram=(Bucket(1, 3, 5),))
    features = [FeatureComparison(feature, now, before, frozenset({"missing", "unique"})),
                FeatureComparison(BREAKOUT, number, number, frozenset())]
    trend = [TrendPoint("2026-11-05", "pass", 10, 0.0, 0.1),
             TrendPoint("2026-11-06", outcome.value, 10, 0.1, 0.2)]
    return JobReport(JobInfo(name, owner=BREAKOUT, description=SCRIPT), record, None, features, trend)


def test_hostile_values_are_text_and_the_page_loads_nothing() -> None:
    report = DayReport("2026-11-06", "ds", "2026-11-06T07:00:00+00:00",
                       [_job("a", Outcome.BLOCK), _job("b", Outcome.NOT_EVALUATED)])
    page = render_page(report, PageOptions(link=relative_links(pathlib.Path("/tmp"))))
    parsed = Tags()
    parsed.feed(page)
    assert not {"script", "img", "iframe", "link", "object", "embed"} & set(parsed.tags)
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert not [n for n, _ in parsed.attributes if n in ("src", "srcset", "data", "poster")]
    hrefs = [v or "" for n, v in parsed.attributes if n == "href"]
    # Links relative to the report's folder (/tmp here), never absolute file:// URIs.
    assert sorted(h for h in hrefs if not h.startswith("#")) == \
        ["a/a/FeatureStats.pb", "a/a/run.json", "a/b/FeatureStats.pb", "a/b/run.json"]
    text = "".join(parsed.text)
    for value in (SCRIPT, IMG, BREAKOUT, f"SELECT * FROM t WHERE c = '{SCRIPT}'"):
        assert value in text
    assert parsed.tags.count("pre") == 1  # job a's evidence query; b was not evaluated
    assert parsed.tags.count("svg") == 2 * 3 + 2 * 2  # 3 trends and 2 distributions per job


def test_digest_lists_blocked_first_escapes_and_stays_within_limits() -> None:
    jobs = [_job(f"ok{i}", Outcome.PASS) for i in range(400)]
    jobs += [_job(f"bad{i:03d}", Outcome.BLOCK, feature=SLACK_HOSTILE) for i in range(2000)]
    jobs.insert(0, _job("late", Outcome.NOT_EVALUATED))
    report = DayReport("2026-11-06", "ds", "now", sorted(jobs, key=lambda j: j.sort_key))
    message = digest_message(report, "https://dq.example/reports/2026-11-06")
    blocks = message.blocks
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(blocks[0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert "2000 blocked" in sections[0] and "400 pass" in sections[0] and "1 not evaluated" in sections[0]
    listed = "\n".join(sections[1:])
    assert listed.startswith("🔴 `bad000`") and "late" not in listed  # blocked first, the rest counted
    assert "more job(s) with problems" in listed  # 2000 blocked lines do not fit: counted
    assert "<!channel>" not in json.dumps(blocks) and "<https://x|y>" not in json.dumps(blocks)
    assert SLACK_HOSTILE in unescape(listed)
    assert "<https://dq.example/reports/2026-11-06|open the report>" in blocks[-1]["elements"][0]["text"]
    assert "2000 blocked" in message.text


def test_digest_order_is_blocked_then_not_evaluated_then_warn_then_passed() -> None:
    jobs = [_job("p", Outcome.PASS), _job("w", Outcome.WARN), _job("n", Outcome.NOT_EVALUATED),
            _job("b", Outcome.BLOCK)]
    report = DayReport("2026-11-06", "ds", "now", sorted(jobs, key=lambda j: j.sort_key))
    blocks = digest_message(report, "/srv/r.html").blocks
    lines = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    body = "\n".join(lines[1:])
    positions = [body.index(m) for m in ("`b`", "`n`", "`w`", "*Passed*: `p`")]
    assert positions == sorted(positions)
    assert "not evaluated: no data at &lt;script&gt;" in body
