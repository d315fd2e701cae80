"""Through the CLI and the service: `make demo` writes the last day's report and it renders in
Chromium; `dqv report --slack` posts the digest; `dqv serve` serves /reports/."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import urllib.parse
import urllib.request

from tensorflow_metadata.proto.v0 import statistics_pb2

from tests.conftest import REPO, TEST_ARTIFACTS, dqv
from tests.support.chromium import open_page
from tests.support.report_fixtures import FOUR_JOBS, Project
from tests.support.serve import running_service
from tests.support.slack_standin import SlackStandin
from validator.history import open_store

SVG_SIZES = ("Array.from(document.querySelectorAll('svg')).map(s => {"
             "const r = s.getBoundingClientRect(); return [r.width, r.height]; })")
OVERVIEW = ("Array.from(document.querySelectorAll('#overview tbody tr'))"
            ".map(r => [r.dataset.job, r.dataset.outcome])")


def test_make_demo_writes_the_last_days_report_which_renders_offline(tmp_path: pathlib.Path) -> None:
    demo_root = tmp_path / "demo"
    # -o install: the suite runs from an installed tree; do not reinstall from inside a test.
    proc = subprocess.run(["make", "-o", "install", "demo", f"DEMO_ROOT={demo_root}"], cwd=REPO,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = demo_root / "report-2026-11-11.html"
    assert report.is_file(), proc.stdout
    with open_page(report) as page:
        assert page.console_errors() == []
        assert page.requests() == []
        assert page.evaluate(OVERVIEW) == [["training_events", "pass"]]
        sizes = page.evaluate(SVG_SIZES)
        # Three trends, a distribution per sample feature but the two ID-like ones.
        assert len(sizes) >= 3 + 13
        assert page.evaluate("document.querySelectorAll('figure.id-like').length") == 2
        assert all(w > 0 and h > 0 for w, h in sizes)
        # The 30-day trend holds all 11 sample days, the blocked ones in red.
        assert page.evaluate("document.querySelectorAll('svg circle.o-block').length") >= 4 * 2
        hrefs = page.evaluate("Array.from(document.querySelectorAll('a[data-artifact]'))"
                              ".map(a => a.getAttribute('href'))")
        page.screenshot(TEST_ARTIFACTS / "demo-report-2026-11-11.png")
    # Relative links to artifacts that exist, readable ones among them.
    assert len(hrefs) == 6 and not [h for h in hrefs if h.startswith(("file:", "/"))]
    assert all((report.parent / urllib.parse.unquote(h)).is_file() for h in hrefs), hrefs
    assert any(h.endswith("statistics-summary.json") for h in hrefs)


def test_report_command_posts_the_digest(four_outcomes: Project, slack_standin: SlackStandin,
                                         tmp_path: pathlib.Path) -> None:
    out = tmp_path / "day.html"
    proc = dqv("report", "--date", "2026-11-06", "--out", str(out), "--slack", "#dq",
               "--report-url", "https://dq.example.com/reports/2026-11-06",
               "--project-dir", str(four_outcomes.project), cwd=four_outcomes.project,
               env={"DQV_SLACK_BOT_TOKEN": "xoxb-cli-test", "DQV_SLACK_BASE_URL": slack_standin.base_url},
               check_exit=0)
    assert "4 job run(s): 1 block, 1 not_evaluated, 1 warn, 1 pass" in proc.stdout
    assert out.is_file() and "digest posted to #dq" in proc.stdout
    posts = slack_standin.posts()
    assert len(posts) == 1 and posts[0].data["channel"] == "#dq"
    assert "xoxb-cli-test" not in proc.stdout + proc.stderr


def test_report_without_token_is_one_clear_line(four_outcomes: Project, tmp_path: pathlib.Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DQV_SLACK_BOT_TOKEN"}
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "dqv"), "report", "--date", "2026-11-06",
                           "--out", str(tmp_path / "r.html"), "--slack", "#dq",
                           "--project-dir", str(four_outcomes.project)],
                          cwd=four_outcomes.project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == \
        "dqv: error: --slack needs a Slack bot token in the environment variable DQV_SLACK_BOT_TOKEN"


def test_report_on_a_missing_artifact_root_is_one_clear_line(tmp_path: pathlib.Path) -> None:
    proc = dqv("report", "--date", "2026-11-06", "--artifact-root", str(tmp_path / "typo"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"dqv: error: no run history: {tmp_path / 'typo'} does not exist; "
                                   "check --artifact-root (or DQV_ARTIFACT_ROOT)")
    assert not (tmp_path / "typo").exists()


def test_serve_serves_reports_latest_and_by_date(four_outcomes: Project) -> None:
    for service in running_service(four_outcomes.project):
        status, index = service.get("/reports/")
        assert status == 200 and 'href="/reports/2026-11-06"' in index
        # Each day with its jobs' outcomes (issue 18): on 11-06 one of each, worst first.
        day = re.search(r'<li data-date="2026-11-06">(.*?)</li>', index, re.S)
        assert day is not None
        assert re.findall(r'data-outcome="([a-z_]+)"', day.group(1)) == \
            ["block", "not_evaluated", "warn", "pass"]
        assert "strict_events: block" in day.group(1) and "lenient_events: pass" in day.group(1)
        assert re.findall(r'<li data-date="([0-9-]+)">', index) == \
            [f"2026-11-0{d}" for d in range(6, 0, -1)]
        status, latest = service.get("/reports/latest")
        assert status == 200 and "ds 2026-11-06" in latest
        status, day = service.get("/reports/2026-11-03")
        assert status == 200 and "ds 2026-11-03" in day
        for job in FOUR_JOBS:
            assert f'data-job="{job}"' in day
        status, missing = service.get("/reports/not-a-date")
        assert status == 404 and "is not a date" in missing
        # The served page links to the run's artifacts on the same server.
        links = re.findall(r'href="(/reports/artifacts/[^"]+/anomalies)"', latest)
        assert len(links) == len(FOUR_JOBS) - 1  # the job not evaluated wrote none
        anomalies = [service.get(link)[1] for link in links]
        assert any("ENUM_TYPE_UNEXPECTED_STRING_VALUES" in text for text in anomalies)
        with urllib.request.urlopen(service.base + links[0].replace("/anomalies", "/statistics")) as answer:
            stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(answer.read())
        assert stats.datasets[0].num_examples == 2000  # the run's FeatureStats.pb, byte for byte
        assert service.get("/reports/artifacts/..%2F..%2Fetc/run")[0] == 404
        # The readable artifacts: the anomalies as text and the statistics summary as JSON.
        findings = [service.get(link.replace("/anomalies", "/findings"))[1] for link in links]
        assert any("[error] device ENUM_TYPE_UNEXPECTED_STRING_VALUES" in text for text in findings)
        status, summary = service.get(links[0].replace("/anomalies", "/summary"))
        assert status == 200 and summary["num_examples"] == 2000  # served as JSON, parsed
        assert summary["features"]["age"]["quantiles"]


def test_report_by_ds_and_by_run_day_write_their_own_files(four_outcomes: Project) -> None:
    """`--by run_day` once replaced the ds report of the same date with an empty page."""
    root = four_outcomes.root
    common = ("--project-dir", str(four_outcomes.project), "--artifact-root", str(root))
    dqv("report", "--date", "2026-11-06", *common, cwd=four_outcomes.project, check_exit=0)
    ds_file = root / "reports" / "dqv-report-2026-11-06.html"
    ds_text = ds_file.read_text()
    # No run started on 2026-11-06 (they all ran today): an empty run-day report, its own file.
    proc = dqv("report", "--date", "2026-11-06", "--by", "run_day", *common,
               cwd=four_outcomes.project, check_exit=0)
    run_day_file = root / "reports" / "dqv-report-run-day-2026-11-06.html"
    assert str(run_day_file) in proc.stdout
    assert ds_file.read_text() == ds_text  # untouched
    for job in FOUR_JOBS:
        assert f'data-job="{job}"' in ds_text
    run_day_text = run_day_file.read_text()
    assert "No job has a finished run for 2026-11-06" in run_day_text
    assert "runs started on 2026-11-06" in run_day_text and "ds 2026-11-06" in ds_text
    # And the runs of today by run day: every job, all six ds each.
    today = next(iter(open_store(root).runs("strict_events"))).started_at[:10]
    dqv("report", "--date", today, "--by", "run_day", *common, cwd=four_outcomes.project,
        check_exit=0)
    today_text = (root / "reports" / f"dqv-report-run-day-{today}.html").read_text()
    assert today_text.count('<section class="job"') == len(FOUR_JOBS) * 6
