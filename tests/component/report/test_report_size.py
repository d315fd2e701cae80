"""A report of 10 jobs with 50 features each (TFDV statistics of generated data, 30 days of
history) stays under 2 MB."""

from __future__ import annotations

import datetime as dt
import pathlib

from tests.support.report_data import generated_root
from validator.history.store import FileRunStore
from validator.report import read_summary
from validator.report.data import JobInfo, gather
from validator.report.page import render_page

LIMIT = 2 * 1024 * 1024


def test_ten_jobs_of_fifty_features_stay_under_two_megabytes(tmp_path: pathlib.Path) -> None:
    day = generated_root(tmp_path, jobs=10, features=50, days=30)
    infos = [JobInfo(name, schema_path=str(day.schema)) for name in day.jobs]
    report = gather(FileRunStore(day.root), infos, dt.date.fromisoformat(day.date), read_summary)
    page = render_page(report).encode("utf-8")
    # Everything is in it: every job, every feature row, a chart per feature and 3 trends per job.
    assert [j.info.name for j in report.jobs] == sorted(day.jobs)
    assert all(len(j.features) == 50 and len(j.trend) == 30 for j in report.jobs)
    assert page.count(b"<figure>") == 10 * 50
    assert page.count(b"<svg") == 10 * 50 + 10 * 3
    # The checks: type, presence, range, value count and drift of 20 numbers; type, presence,
    # range and shape of 10 counts; type, presence, shape and drift of 20 texts; 2 dataset ones.
    assert page.count(b'<tr class="c-') == 10 * (20 * 5 + 10 * 4 + 20 * 4 + 2)
    assert page.count(b'<table class="quantiles">') == 10
    assert len(page) < LIMIT, f"{len(page):,} bytes"
    (tmp_path / "size.html").write_bytes(page)
    print(f"10 jobs x 50 features: {len(page):,} bytes")
