"""One `dqv run` with metrics (a real Pushgateway) and Slack (the stand-in) enabled reads the
schema once, opens the run history once, reads the job's history once and parses each Parquet
footer once (issue 12: each fact computed once per run and passed on)."""

from __future__ import annotations

import json
import pathlib

from tests.conftest import REPO, dqv
from tests.support.count_hook import count_env
from tests.support.pushgateway import Pushgateway
from tests.support.slack_standin import SlackStandin

ROUTES = "routes:\n  - channel: '#ml-data-quality'\n"


def test_one_run_reads_each_fact_once(tmp_project: pathlib.Path, pushgateway: Pushgateway,
                                      slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    (tmp_project / "alerts").mkdir(exist_ok=True)
    (tmp_project / "alerts" / "routes.yaml").write_text(ROUTES, encoding="utf-8")
    root, out = tmp_path / "artifacts", tmp_path / "counts.json"
    env = {"DQV_PUSHGATEWAY_URL": pushgateway.url, "DQV_SLACK_BOT_TOKEN": "xoxb-test",
           "DQV_SLACK_BASE_URL": slack_standin.base_url, "DQV_SLACK_WEBHOOK_URL": "",
           "DQV_METADATA": ""}
    # A day with history (so the baseline and the metrics' last passing time are looked up) and a
    # blocking defect (so Slack posts).
    dqv("backfill", "training_events", "--start", "2026-11-05", "--end", "2026-11-08", "--quiet",
        "--artifact-root", str(root), cwd=tmp_project, env=env)
    schema = tmp_project / "schemas" / "training_events.pbtxt"
    proc = dqv("run", "training_events", "--ds", "2026-11-09", "--json", "--quiet",
               "--artifact-root", str(root), cwd=tmp_project, env={**env, **count_env(out, schema)})
    record = json.loads(proc.stdout)
    assert proc.returncode == 1 and record["outcome"] == "block", proc.stderr
    assert record["delivery"] == {"metrics": "ok", "slack": "ok"}
    assert slack_standin.posts(), "the blocked day was posted"
    counts = json.loads(out.read_text(encoding="utf-8"))
    files = sorted(str(p.resolve()) for p in (REPO / "sample_data" / "training_events" / "ds=2026-11-09")
                   .rglob("*.parquet"))
    assert files
    assert counts == {"schema_reads": 1, "store_opens": 1, "history_reads": 1,
                      "footer_reads": dict.fromkeys(files, 1)}
