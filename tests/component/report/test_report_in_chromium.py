"""The day's report opened in headless Debian Chromium: it loads nothing, logs no errors,
lists every job with its outcome worst first, draws its charts, and shows hostile values as
text without running them."""

from __future__ import annotations

import datetime as dt
import pathlib

from tests.conftest import TEST_ARTIFACTS
from tests.support.chromium import PageSession, open_page
from tests.support.report_data import XSS_ATTRIBUTE, XSS_CATEGORY, XSS_DESCRIPTION, XSS_FEATURE
from tests.support.report_fixtures import FOUR_JOBS, Project
from validator.report import build_report, write_day_report

OVERVIEW = ("Array.from(document.querySelectorAll('#overview tbody tr'))"
            ".map(r => [r.dataset.job, r.dataset.outcome, r.cells[2].innerText])")
SVG_SIZES = ("Array.from(document.querySelectorAll('svg')).map(s => {"
             "const r = s.getBoundingClientRect(); return [r.width, r.height, s.childElementCount]; })")


def _report(project: Project, date: str, out: pathlib.Path) -> pathlib.Path:
    report = build_report(project.project, project.root, dt.date.fromisoformat(date))
    return write_day_report(report, out)


def assert_clean_load(page: PageSession) -> None:
    assert page.console_errors() == []
    assert page.requests() == []
    assert page.dialogs() == []


def assert_charts_drawn(page: PageSession, at_least: int) -> None:
    sizes = page.evaluate(SVG_SIZES)
    assert len(sizes) >= at_least
    assert all(width > 0 and height > 0 and children > 0 for width, height, children in sizes), sizes


def test_the_harness_sees_requests_console_errors_and_dialogs(tmp_path: pathlib.Path) -> None:
    """The checks below can fail: a page that does load, log and alert is caught."""
    page_file = tmp_path / "bad.html"
    page_file.write_text('<!DOCTYPE html><img src="missing.png"><script>console.error("boom");'
                         "alert(1)</script>", encoding="utf-8")
    with open_page(page_file) as page:
        assert any(url.endswith("/missing.png") for url in page.requests())
        assert any("boom" in e for e in page.console_errors())
        assert len(page.dialogs()) == 1


def test_day_report_renders_every_job_worst_first_with_charts(four_outcomes: Project,
                                                              tmp_path: pathlib.Path) -> None:
    report = _report(four_outcomes, "2026-11-06", tmp_path / "report.html")
    with open_page(report) as page:
        assert_clean_load(page)
        rows = page.evaluate(OVERVIEW)
        assert [(job, outcome) for job, outcome, _ in rows] == list(FOUR_JOBS.items())
        assert [badge for _, _, badge in rows] == ["BLOCK", "NOT EVALUATED", "WARN", "PASS"]
        # 3 trend charts per job, distributions for the 13 sample features of the 3 evaluated jobs
        # that are not ID-like (user_id and session_id show their distinct count instead).
        assert_charts_drawn(page, at_least=4 * 3 + 3 * 13)
        assert page.evaluate("document.querySelectorAll('figure.id-like').length") == 3 * 2
        labels = page.evaluate("Array.from(document.querySelectorAll('svg'))"
                               ".map(s => s.getAttribute('aria-label'))")
        assert not [label for label in labels if "of user_id" in label or "of session_id" in label]
        text = page.evaluate("document.body.innerText")
        # Issue 13: the not-evaluated job's data is unreadable now (a missing one is not ready).
        assert "ENUM_TYPE_UNEXPECTED_STRING_VALUES" in text and "cannot read as parquet" in text
        shot = page.screenshot(TEST_ARTIFACTS / "report-2026-11-06.png")
    assert shot.stat().st_size > 10_000


def test_hostile_values_are_displayed_as_text_not_executed(hostile: Project,
                                                           tmp_path: pathlib.Path) -> None:
    report = _report(hostile, "2026-11-02", tmp_path / "hostile.html")
    with open_page(report) as page:
        assert_clean_load(page)  # an executed alert(1) would be a dialog; <img src=x> a request
        assert page.evaluate("window.__xss === undefined")
        injected = ("document.querySelectorAll('script, img, iframe, [onerror], [onload], "
                    "[onmouseover]').length")
        assert page.evaluate(injected) == 0
        text = page.evaluate("document.body.innerText")
        for value in (XSS_CATEGORY, XSS_FEATURE, XSS_ATTRIBUTE, XSS_DESCRIPTION):
            assert value in text, value
        # Inside SVG too: the chart's tooltips carry the full category value as text.
        titles = page.evaluate("Array.from(document.querySelectorAll('svg title')).map(t => t.textContent)")
        assert any(XSS_CATEGORY in t for t in titles)
        assert page.evaluate(OVERVIEW)[0][:2] == ["hostile", "block"]
        # 3 trends; charts for the category and the hostile feature; `id` is ID-like (no chart).
        assert_charts_drawn(page, at_least=3 + 2)
        assert page.evaluate("document.querySelectorAll('figure.id-like').length") == 1
        page.screenshot(TEST_ARTIFACTS / "report-hostile-values.png")
