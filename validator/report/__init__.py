"""The daily data-quality report: one self-contained HTML page per day, and a Slack digest.

Entry points for the CLI (`dqv report`) and for `dqv serve` (`/reports/`):
`render_report_for_date`, `list_report_dates`, `build_report`, `write_day_report` (the page
and its readable artifacts), `write_report`.
May import notify (the Slack digest), history, stats, config and core; never run,
service or cli.
"""

from __future__ import annotations

import datetime as dt
import pathlib

from validator.errors import DataError
from validator.history import open_store
from validator.history.store import RunStore
from validator.report.data import DateKind, DayReport, gather, load_job_infos, report_dates
from validator.report.features import DatasetSummary, summarize
from validator.report.page import PageOptions, relative_links, render_page

__all__ = ["build_report", "default_report_path", "list_report_dates", "read_summary",
           "render_report_for_date", "write_day_report", "write_report"]


def read_summary(path: str) -> DatasetSummary:
    """The report's view of one FeatureStats.pb, local or gs:// (no TensorFlow import for
    local files). Raises OSError when it cannot be read."""
    from validator.history.baselines import read_statistics

    return summarize(read_statistics(path))


def build_report(project_dir: pathlib.Path, artifact_root: pathlib.Path, date: dt.date, *,
                 by: DateKind = "ds", store: RunStore | None = None) -> DayReport:
    return gather(store or open_store(artifact_root), load_job_infos(project_dir), date,
                  read_summary, by=by)


def render_report_for_date(project_dir: pathlib.Path, artifact_root: pathlib.Path, date: dt.date, *,
                           by: DateKind = "ds", options: PageOptions | None = None,
                           store: RunStore | None = None) -> str:
    """The report page of one day as HTML text (what `dqv serve` returns for /reports/DATE)."""
    report = build_report(project_dir, artifact_root, date, by=by, store=store)
    return render_page(report, options or PageOptions())


def list_report_dates(project_dir: pathlib.Path, artifact_root: pathlib.Path,
                      store: RunStore | None = None) -> list[str]:
    """Every ds with a finished run of a project job, newest first (the first is "latest")."""
    return report_dates(store or open_store(artifact_root), load_job_infos(project_dir))


def default_report_path(artifact_root: pathlib.Path, date: dt.date, by: DateKind = "ds"
                        ) -> pathlib.Path:
    """ARTIFACT_ROOT/reports/dqv-report-DATE.html for the ds report and
    dqv-report-run-day-DATE.html for `--by run_day`: two different pages never share a file."""
    which = "" if by == "ds" else "run-day-"
    return artifact_root / "reports" / f"dqv-report-{which}{date.isoformat()}.html"


def write_day_report(report: DayReport, out: pathlib.Path, note: str = "") -> pathlib.Path:
    """The page of `report` at `out`, its links relative to `out`'s folder, with the readable
    copies of each run's artifacts (statistics summary as JSON, anomalies as text) in
    OUT_STEM.files/ next to it."""
    from validator.report.artifacts import files_dir, write_readable_artifacts

    files = files_dir(out)
    write_readable_artifacts(report, files)
    options = PageOptions(link=relative_links(out.parent, files), note=note)
    return write_report(render_page(report, options), out)


def write_report(html_text: str, out: pathlib.Path) -> pathlib.Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(html_text, encoding="utf-8")
        tmp.replace(out)  # a reader (or dqv serve) never sees half a page
    except OSError as err:
        raise DataError(f"cannot write the report to {out}: {err}; choose another --out") from None
    return out
