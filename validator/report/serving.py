"""Reports over HTTP for `dqv serve`: GET /reports/ (the days), /reports/latest and
/reports/YYYY-MM-DD (`?by=run_day` for the runs started that day), and the artifacts the pages
link to, /reports/artifacts/RUN_ID/(statistics|summary|anomalies|findings|run): the binary
FeatureStats.pb, its JSON summary, TFDV's anomalies.pbtxt, the anomalies as text, run.json.
Rendered on request from the run history, so a page always shows the latest re-runs.
Artifacts are found by run id through the store, never by a path from the request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from validator.core.record import RunRecord
from validator.history import artifact_fs
from validator.history.store import RunStore
from validator.report import read_summary
from validator.report.artifacts import findings_text, read_anomalies, summary_json
from validator.report.data import JobInfo, date_outcomes, gather, info_of, report_dates
from validator.report.page import PageOptions, esc, render_index, render_page

HTML = "text/html; charset=utf-8"
RUN_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$")
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
ARTIFACT_TYPES = {"statistics": "application/octet-stream", "summary": JSON, "anomalies": TEXT,
                  "findings": TEXT, "run": JSON}


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML


def job_infos(jobs: Iterable[Any]) -> list[JobInfo]:
    """JobInfo of loaded `Job` models (what the service holds)."""
    return [info_of(j) for j in jobs]


def _page(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"))


def _message(status: int, text: str) -> Response:
    return _page(status, f"<!DOCTYPE html><meta charset=\"utf-8\"><title>dqv reports</title>"
                         f"<p>{esc(text)}</p><p><a href=\"/reports/\">all reports</a></p>")


def reports_response(parts: Sequence[str], query: dict[str, str], jobs: Sequence[JobInfo],
                     store: RunStore) -> Response:
    """The answer to GET /reports/<parts…>; `parts` are the path segments after `reports`."""
    if not parts:
        return _page(200, render_index(date_outcomes(store, jobs), lambda d: f"/reports/{d}"))
    if parts[0] == "artifacts":
        return _artifact(parts[1:], store)
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
    return _page(200, render_page(report, PageOptions(link=artifact_url, note=note)))


def artifact_url(record: RunRecord, kind: str, path: str) -> str:
    return f"/reports/artifacts/{record.run_id}/{kind}"


def _artifact(parts: Sequence[str], store: RunStore) -> Response:
    if len(parts) != 2 or parts[1] not in ARTIFACT_TYPES or not RUN_ID.match(parts[0]):
        return _message(404, "use /reports/artifacts/RUN_ID/statistics, summary, anomalies, "
                             "findings or run")
    record = store.get(parts[0])
    if record is None:
        return _message(404, f"no run {parts[0]}")
    kind = parts[1]
    if kind == "run":
        body = json.dumps(record.to_json(), indent=2, sort_keys=True).encode("utf-8")
        return Response(200, body, ARTIFACT_TYPES[kind])
    if kind == "findings":
        text = findings_text(record, read_anomalies(record))
        return Response(200, text.encode("utf-8"), ARTIFACT_TYPES[kind])
    if kind == "summary":
        if not record.statistics:
            return _message(404, f"run {parts[0]} wrote no statistics")
        try:
            text = summary_json(record, read_summary(record.statistics))
        except (OSError, ValueError) as err:
            return _message(404, f"the statistics of run {parts[0]} cannot be read: {err}")
        return Response(200, text.encode("utf-8"), ARTIFACT_TYPES[kind])
    path = record.statistics if kind == "statistics" else record.anomalies
    if not path:
        return _message(404, f"run {parts[0]} wrote no {kind}")
    try:
        return Response(200, artifact_fs.read_bytes(path), ARTIFACT_TYPES[kind])
    except OSError as err:
        return _message(404, f"the {kind} of run {parts[0]} cannot be read: {err}")
