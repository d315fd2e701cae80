"""Reports over HTTP for `dqv serve`: GET /reports/ (the days), /reports/latest and
/reports/YYYY-MM-DD (`?by=run_day` for the runs started that day). Rendered on request from the
run history, so a page always shows the latest re-runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from validator.report import read_summary
from validator.report.data import JobInfo, gather, report_dates
from validator.report.page import PageOptions, esc, render_index, render_page
from validator.store import RunStore

HTML = "text/html; charset=utf-8"


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML


def job_infos(jobs: Iterable[Any]) -> list[JobInfo]:
    """JobInfo of loaded `Job` models (what the service holds)."""
    return [JobInfo(j.name, j.owner, j.description) for j in jobs]


def _page(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"))


def _message(status: int, text: str) -> Response:
    return _page(status, f"<!DOCTYPE html><meta charset=\"utf-8\"><title>dqv reports</title>"
                         f"<p>{esc(text)}</p><p><a href=\"/reports/\">all reports</a></p>")


def reports_response(parts: Sequence[str], query: dict[str, str], jobs: Sequence[JobInfo],
                     store: RunStore) -> Response:
    """The answer to GET /reports/<parts…>; `parts` are the path segments after `reports`."""
    if not parts:
        dates = report_dates(store, jobs)
        return _page(200, render_index(dates, lambda d: f"/reports/{d}"))
    if len(parts) != 1:
        return _message(404, "no such report; use /reports/latest or /reports/YYYY-MM-DD")
    by = query.get("by", "ds")
    if by not in ("ds", "run_day"):
        return _message(400, "by must be ds or run_day")
    if parts[0] == "latest":
        dates = report_dates(store, jobs)
        if not dates:
            return _message(404, "no job has a finished run yet")
        day, by = dates[0], "ds"
    else:
        day = parts[0]
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return _message(404, f"'{day}' is not a date; use /reports/YYYY-MM-DD")
    report = gather(store, jobs, date, read_summary, by="ds" if by == "ds" else "run_day")
    note = "Served by dqv serve; all reports: /reports/"
    return _page(200, render_page(report, PageOptions(note=note)))
