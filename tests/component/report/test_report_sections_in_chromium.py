"""The report sections an on-call engineer acts on (issue 18), read in headless Chromium from the
file `write_day_report` writes: the checks with expected vs observed, the row evidence, what is
(not) highlighted, timestamps as dates, relative links to readable artifacts; and the volume
monitor's band with the flagged day (issue 14). Every page loads nothing and logs no error."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
import urllib.parse
from typing import Any

from tests.conftest import TEST_ARTIFACTS
from tests.support.chromium import PageSession, open_page
from tests.support.report_data import (
    BAND_DAYS,
    BAND_LOW_DAY,
    EVIDENCE_QUERY,
    XSS_CATEGORY,
    XSS_FEATURE,
    EvidenceStore,
    blocked_day_evidence,
)
from tests.support.report_fixtures import Project
from validator.history import open_store
from validator.report import build_report, write_day_report

JOB = "document.querySelector('section.job[data-job=\"{}\"]')"
CHECKS = ("Array.from({job}.querySelectorAll('table.checks tbody tr')).map(r => ({{"
          "subject: r.cells[0].innerText, check: r.cells[1].innerText, "
          "status: r.className.slice(2).replace('-', ' '), expected: r.cells[2].innerText, "
          "observed: r.cells[3].innerText, result: r.cells[4].innerText, "
          "color: getComputedStyle(r.cells[4]).color}}))")
FEATURES = ("Array.from({job}.querySelectorAll('table.features tbody tr')).map(r => ({{"
            "name: r.dataset.feature, kind: r.dataset.kind, "
            "changed: r.querySelectorAll('.chg').length, "
            "cells: Array.from(r.cells).map(c => c.innerText)}}))")
LINKS = ("Array.from({job}.querySelectorAll('a[data-artifact]')).map(a => "
         "[a.dataset.artifact, a.getAttribute('href')])")
DATE = re.compile(r"^2026-11-0[56]( \d\d:\d\d:\d\d UTC)?$")


def _clean(page: PageSession) -> None:
    assert page.console_errors() == []
    assert page.requests() == []
    assert page.dialogs() == []


def _rows(page: PageSession, template: str, job: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.evaluate(template.format(job=JOB.format(job)))
    return rows


def _blocked_day(project: Project, out: pathlib.Path) -> pathlib.Path:
    store = open_store(project.root)
    record = next(r for r in store.runs("strict_events") if r.ds == "2026-11-06")
    with_evidence = EvidenceStore(store, record.run_id, [blocked_day_evidence()])
    report = build_report(project.project, project.root, dt.date(2026, 11, 6),
                          store=with_evidence)  # type: ignore[arg-type]  (runs and get suffice)
    return write_day_report(report, out)


def test_blocked_day_shows_checks_evidence_dates_and_no_noise(four_outcomes: Project,
                                                              tmp_path: pathlib.Path) -> None:
    report = _blocked_day(four_outcomes, tmp_path / "reports" / "day.html")
    with open_page(report) as page:
        _clean(page)
        checks = _rows(page, CHECKS, "strict_events")
        by_key = {(c["subject"], c["check"]): c for c in checks}
        domain = by_key[("device", "domain")]
        assert domain["status"] == "fail" and domain["result"] == "fail (error)"
        assert domain["color"] == "rgb(198, 40, 40)"  # red, from the page's own style
        assert "one of desktop, mobile, tablet" in domain["expected"]
        assert "smart_tv" in domain["observed"]
        assert by_key[("age", "range")]["expected"].startswith("[13, 120]")
        assert by_key[("age", "range")]["status"] == "pass"
        assert by_key[("browser", "presence")]["expected"].startswith("in at least 90% of rows")
        assert re.match(r"\d+\.\d% of rows", by_key[("browser", "presence")]["observed"])
        drift = by_key[("country", "drift")]
        assert "≤ 0.1 vs baseline ds=2026-11-05" in drift["expected"], drift
        assert re.match(r"^0\.\d+$", drift["observed"]) and drift["status"] == "pass"
        assert by_key[("(dataset)", "monitor volume")]["status"] == "learning"
        assert [c for c in checks if c["status"] == "fail"] == [domain]  # the only finding

        evidence = page.evaluate(
            f"(() => {{ const e = {JOB.format('strict_events')}.querySelector('section.evidence');"
            " return {head: Array.from(e.querySelectorAll('th')).map(t => t.innerText),"
            " cells: Array.from(e.querySelectorAll('tbody td')).map(t => t.innerText),"
            " query: e.querySelector('pre.query').textContent, text: e.innerText}; })()")
        assert evidence["head"] == ["session_id", "device", XSS_FEATURE]
        assert evidence["cells"] == ["s050000007", "smart_tv", XSS_CATEGORY,
                                     "s050000019", "smart_tv", "NULL"]
        assert evidence["query"] == EVIDENCE_QUERY
        assert "masked: user_id" in evidence["text"] and "more rows match" in evidence["text"]
        assert page.evaluate("document.querySelectorAll('section.evidence').length") == 1

        features = {f["name"]: f for f in _rows(page, FEATURES, "strict_events")}
        assert features["user_id"]["kind"] == "id" and features["session_id"]["kind"] == "id"
        assert features["user_id"]["changed"] == 0 and features["session_id"]["changed"] == 0
        assert "ID-like: 1,992 distinct" in features["user_id"]["cells"][6]
        event_time = features["event_time"]
        assert event_time["kind"] == "timestamp" and event_time["changed"] == 0
        assert all(DATE.match(cell) for cell in event_time["cells"][3:6]), event_time["cells"]
        assert features["age"]["cells"][8] == "not configured"  # no drift comparator for age
        assert re.match(r"^0\.\d+ / 0\.1$", features["country"]["cells"][8])
        charts = page.evaluate("Array.from(document.querySelectorAll('svg')).map(s => "
                               "s.getAttribute('aria-label'))")
        assert not [c for c in charts if "user_id" in c or "session_id" in c]
        assert any(c.startswith("distribution of event_time") for c in charts)
        quantiles = page.evaluate(
            f"Array.from({JOB.format('strict_events')}.querySelectorAll('table.quantiles tr'))"
            ".map(r => Array.from(r.cells).map(c => c.innerText))")
        assert quantiles[0][:3] == ["feature", "min", "p10"] and quantiles[0][-1] == "max"
        by_feature = {row[0]: row[1:] for row in quantiles[1:]}
        assert all(DATE.match(v) for v in by_feature["event_time"])
        ages = [float(v) for v in by_feature["age"]]
        assert ages == sorted(ages) and ages[0] >= 13 and len(ages) == 11

        links = dict(page.evaluate(LINKS.format(job=JOB.format("strict_events"))))
        page.screenshot(TEST_ARTIFACTS / "report-blocked-day-sections.png")
    assert set(links) == {"statistics", "summary", "anomalies", "findings", "run", "baseline"}
    assert not [h for h in links.values() if h.startswith(("file:", "/"))]
    target = {kind: report.parent / urllib.parse.unquote(href) for kind, href in links.items()}
    assert all(path.is_file() for path in target.values()), target
    summary = json.loads(target["summary"].read_text())
    assert summary["num_examples"] == 2000 and summary["features"]["user_id"]["kind"] == "id"
    assert len(summary["features"]["age"]["quantiles"]) == 11
    text = target["findings"].read_text()
    assert "[error] device ENUM_TYPE_UNEXPECTED_STRING_VALUES" in text and "smart_tv" in text
    assert target["statistics"].resolve() == pathlib.Path(
        next(r for r in open_store(four_outcomes.root).runs("strict_events")
             if r.ds == "2026-11-06").statistics or "").resolve()


def test_the_partition_column_is_marked_and_not_highlighted(partitioned: Project,
                                                            tmp_path: pathlib.Path) -> None:
    report = build_report(partitioned.project, partitioned.root, dt.date(2026, 11, 6))
    page_file = write_day_report(report, tmp_path / "partitioned.html")
    with open_page(page_file) as page:
        _clean(page)
        features = {f["name"]: f for f in _rows(page, FEATURES, "by_column")}
        assert features["ds"]["kind"] == "partition" and features["ds"]["changed"] == 0
        assert "2026-11-06" in features["ds"]["cells"][6]  # its one value, this ds
        assert features["ds"]["cells"][0].endswith("partition column")


def test_the_volume_band_is_drawn_and_the_flagged_day_marked(banded: Project,
                                                             tmp_path: pathlib.Path) -> None:
    last = BAND_DAYS[-1]
    report = build_report(banded.project, banded.root, dt.date.fromisoformat(last))
    page_file = write_day_report(report, tmp_path / "band.html")
    with open_page(page_file) as page:
        _clean(page)
        rows_chart = ("Array.from(document.querySelectorAll('svg')).find(s => "
                      "s.getAttribute('aria-label').startsWith('rows,'))")
        chart = page.evaluate(
            f"(() => {{ const s = {rows_chart}; return {{"
            "bands: Array.from(s.querySelectorAll('polygon.band')).map(p => {"
            " const b = p.getBBox(); return [p.getAttribute('points').split(' ').length,"
            " b.width, b.height]; }),"
            "flagged: Array.from(s.querySelectorAll('circle.flagged')).map(c => c.dataset.ds),"
            "dots: s.querySelectorAll('circle[class^=\"o-\"]').length,"
            "blocked: Array.from(s.querySelectorAll('circle.o-block')).map(c => "
            " c.querySelector('title').textContent) }; })()")
        page.screenshot(TEST_ARTIFACTS / "report-volume-band.png")
    # Days 6-12 had a band (5 earlier runs learned); one polygon over those 7 consecutive days.
    assert [n for n, _, _ in chart["bands"]] == [2 * 7]
    assert all(w > 0 and h > 0 for _, w, h in chart["bands"])
    assert chart["flagged"] == [BAND_LOW_DAY]
    assert chart["dots"] == len(BAND_DAYS)
    assert len(chart["blocked"]) == 1 and chart["blocked"][0].startswith(BAND_LOW_DAY)
    assert "out of the expected band" in chart["blocked"][0]


def test_blocked_day_report_shows_the_runs_own_evidence_and_its_query_finds_the_rows(
        four_outcomes: Project, tmp_path: pathlib.Path) -> None:
    """No evidence injected: the blocked run collected it (issue 18), the report shows it, and the
    query copied from the page returns exactly the rows outside the domain."""
    import duckdb

    report = build_report(four_outcomes.project, four_outcomes.root, dt.date(2026, 11, 6))
    page_file = write_day_report(report, tmp_path / "day.html")
    with open_page(page_file) as page:
        _clean(page)
        evidence = page.evaluate(
            f"(() => {{ const e = {JOB.format('strict_events')}.querySelector('section.evidence');"
            " return e && {feature: e.querySelector('.evidence-item').dataset.feature,"
            " head: Array.from(e.querySelectorAll('th')).map(t => t.innerText),"
            " rows: Array.from(e.querySelectorAll('tbody tr')).map(r =>"
            "   Array.from(r.cells).map(c => c.innerText)),"
            " query: e.querySelector('pre.query').textContent}; })()")
    assert evidence is not None and evidence["feature"] == "device"
    device = evidence["head"].index("device")
    assert evidence["rows"] and {r[device] for r in evidence["rows"]} <= {"smart_tv"}
    matched = duckdb.connect().execute(evidence["query"]).to_arrow_table()
    devices = set(matched.column("device").to_pylist())
    assert matched.num_rows >= len(evidence["rows"]) and devices == {"smart_tv"}
