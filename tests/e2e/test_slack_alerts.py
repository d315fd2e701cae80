"""Slack alerts end to end: the real CLI in a subprocess, the real slack_sdk client, the
Slack stand-in on loopback, the run history in a real ML Metadata SQLite store."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO, dqv
from tests.support.slack_standin import (
    RecordedRequest,
    SlackStandin,
    invalid_auth,
    ok,
    rate_limited,
    server_error,
)
from validator.notify.slack.mlmd_state import MlmdAlertStore
from validator.notify.slack.mrkdwn import unescape

TOKEN = "xoxb-1234-5678-dqvSECRETtokenVALUE"
CHANNEL = "#ml-data-quality"
HOSTILE = "<!channel> *bold* <https://x|y>"


def slack_env(standin: SlackStandin, token: str = TOKEN) -> dict[str, str]:
    return {"DQV_SLACK_BOT_TOKEN": token, "DQV_SLACK_BASE_URL": standin.base_url,
            "DQV_SLACK_WEBHOOK_URL": "", "DQV_METADATA": ""}


def header(post: RecordedRequest) -> str:
    return str(post.data["blocks"][0]["text"]["text"])


def all_text(post: RecordedRequest) -> str:
    """Every text Slack would render for a message: fallback plus all block texts."""
    texts = [str(post.data["text"])]
    for block in post.data["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []))
    return "\n".join(texts)


def run_day(ds: str, root: pathlib.Path, env: dict[str, str], *extra: str,
            cwd: pathlib.Path = REPO) -> tuple[int, dict[str, Any], str]:
    proc = dqv("run", "training_events", "--ds", ds, "--json", "--quiet", "--artifact-root", str(root),
               *extra, cwd=cwd, env=env)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_sample_days_post_one_alert_then_thread_replies_then_resolved(
        slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    # Issue 13: a backfill posts one summary by default; `--alerts each` posts per day.
    proc = dqv("backfill", "training_events", "--start", "2026-11-01", "--end", "2026-11-11", "--json",
               "--alerts", "each", "--quiet", "--artifact-root", str(tmp_path),
               env=slack_env(slack_standin))
    records = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr  # the worst day blocked; Slack changed nothing
    assert [r["delivery"].get("slack") for r in records] == ["ok"] * 11

    assert {r.api_method for r in slack_standin.requests} == {"chat.postMessage"}
    posts = slack_standin.posts()
    assert len(posts) == len(slack_standin.requests) == 6
    first, *repeats, resolved = posts
    # One alert, on the first defective day (11-06 warns), in the routed channel.
    assert first.data["channel"] == CHANNEL and "thread_ts" not in first.data
    assert "ds=2026-11-06" in header(first) and "WARN" in header(first)
    assert "device" in all_text(first) and "ENUM_TYPE_UNEXPECTED_STRING_VALUES" in all_text(first)
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    # The defective days after it are replies in its thread, not new messages.
    first_ts = "1700000000.000001"  # the stand-in's ts for its first post
    assert [r.data.get("thread_ts") for r in repeats] == [first_ts] * 4
    assert [header(r).split(" · ")[1] for r in repeats] == [
        "ds=2026-11-07", "ds=2026-11-08", "ds=2026-11-09", "ds=2026-11-10"]
    assert "1 new, 0 still open, 1 cleared" in all_text(repeats[0])  # device cleared, new column missing
    # Blocking days mention the on-call user group; the warning day does not.
    assert "<!subteam^S0DQVONCALL>" not in all_text(first)
    assert all("<!subteam^S0DQVONCALL>" in all_text(r) for r in repeats)
    # Clean again on 11-11: a resolved reply in the same thread.
    assert resolved.data["thread_ts"] == first_ts
    assert resolved.data["text"].startswith("Resolved:") and "2026-11-11" in resolved.data["text"]
    assert MlmdAlertStore.open(tmp_path).open_threads("training_events") == []
    assert MlmdAlertStore.open(tmp_path).pending() == []


def test_backfill_posts_one_summary(slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    """Issue 13: one message for the whole range, naming each day that did not pass."""
    proc = dqv("backfill", "training_events", "--start", "2026-11-05", "--end", "2026-11-08",
               "--json", "--quiet", "--artifact-root", str(tmp_path), env=slack_env(slack_standin))
    assert proc.returncode == 1, proc.stderr
    [post] = slack_standin.posts()
    assert post.data["channel"] == CHANNEL and "thread_ts" not in post.data
    assert header(post) == "dqv backfill · training_events · 2026-11-05 .. 2026-11-08"
    text = all_text(post)
    assert "*4 day(s)*: 2 block, 1 warn, 1 pass" in text
    assert "*2026-11-06* WARN" in text and "*2026-11-08* BLOCK" in text
    assert "*2026-11-05*" not in text  # passing days are only counted
    assert MlmdAlertStore.open(tmp_path).open_threads("training_events") == []


def _hostile_project(tmp_project: pathlib.Path) -> None:
    """The sample 11-01 partition with one row's device replaced by a hostile category."""
    data = tmp_project / "data" / "ds=2026-11-01"
    data.mkdir(parents=True)
    table = pq.read_table(REPO / "sample_data/training_events/ds=2026-11-01/part-000.parquet")
    devices = table.column("device").to_pylist()
    devices[0] = HOSTILE
    index = table.schema.get_field_index("device")
    table = table.set_column(index, table.schema.field(index), [devices])
    pq.write_table(table, data / "part-000.parquet")
    job = tmp_project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text().replace("path: sample_data/training_events", "path: data"))
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text(
        "routes:\n  - channel: '#ml-data-quality'\n")


def test_a_hostile_category_arrives_as_text(slack_standin: SlackStandin, tmp_project: pathlib.Path
                                             ) -> None:
    _hostile_project(tmp_project)
    code, record, stderr = run_day("2026-11-01", tmp_project / "out", slack_env(slack_standin),
                                   cwd=tmp_project)
    assert (code, record["outcome"]) == (0, "warn"), stderr
    assert HOSTILE in json.dumps(record["findings"])  # the data really carried it
    [post] = slack_standin.posts()
    text = all_text(post)  # the fallback text included
    assert "<" not in text  # so no mention (<!channel>) and no link (<https://x|y>)
    # The offending value is shown in a code span, where Slack applies no formatting; outside
    # code spans no formatting can pair up.
    assert "`&lt;!channel&gt; *bold* &lt;https://x|y&gt;`" in text
    assert "*bold*" not in re.sub(r"`[^`\n]*`", "", text)
    # A reader sees exactly the value from the data.
    assert HOSTILE in unescape(all_text(post))
    assert post.data["blocks"][2]["text"]["verbatim"] is True


def test_rate_limited_then_ok_is_delivered_once(slack_standin: SlackStandin, tmp_path: pathlib.Path
                                               ) -> None:
    slack_standin.script(rate_limited(retry_after=1), ok())
    code, record, stderr = run_day("2026-11-07", tmp_path, slack_env(slack_standin))
    assert code == 1 and record["delivery"]["slack"] == "ok", stderr
    assert [r.status for r in slack_standin.requests] == [429, 200]
    assert len(slack_standin.posts()) == 1
    assert MlmdAlertStore.open(tmp_path).pending() == []


def test_slack_down_keeps_the_verdict_and_flush_delivers_later(
        slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    slack_standin.script(then=server_error())
    code, record, stderr = run_day("2026-11-07", tmp_path, slack_env(slack_standin))
    assert (code, record["outcome"]) == (1, "block")  # as without Slack
    assert record["delivery"]["slack"].startswith("failed:") and "outbox" in record["delivery"]["slack"]
    assert "outbox" in stderr
    assert len(slack_standin.requests) == 3 and slack_standin.posts() == []  # 1 try + 2 retries
    [waiting] = MlmdAlertStore.open(tmp_path).pending()
    assert waiting.kind == "open" and "ds=2026-11-07" in waiting.message["blocks"][0]["text"]["text"]
    on_disk = json.loads((pathlib.Path(record["artifact_dir"]) / "run.json").read_text())
    assert on_disk["outcome"] == "block" and on_disk["delivery"]["slack"].startswith("failed:")

    still_down = dqv("alerts", "flush", "--artifact-root", str(tmp_path), env=slack_env(slack_standin))
    assert still_down.returncode == 2 and "wait in the outbox" in still_down.stderr

    slack_standin.reset()  # Slack is back
    proc = dqv("alerts", "flush", "--artifact-root", str(tmp_path), env=slack_env(slack_standin))
    assert proc.returncode == 0, proc.stderr
    assert "delivered 1" in proc.stdout
    [post] = slack_standin.posts()
    assert "ds=2026-11-07" in header(post) and "thread_ts" not in post.data
    again = dqv("alerts", "flush", "--artifact-root", str(tmp_path), env=slack_env(slack_standin))
    assert again.returncode == 0 and "nothing to deliver" in again.stdout
    assert len(slack_standin.requests) == 1  # delivered once


def test_the_next_run_delivers_the_outbox_first_in_order(
        slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    slack_standin.script(then=server_error())
    run_day("2026-11-07", tmp_path, slack_env(slack_standin))
    slack_standin.reset()
    code, record, stderr = run_day("2026-11-08", tmp_path, slack_env(slack_standin))
    assert code == 1 and record["delivery"]["slack"] == "ok", stderr
    first, reply = slack_standin.posts()
    assert "ds=2026-11-07" in header(first) and "thread_ts" not in first.data
    assert "ds=2026-11-08" in header(reply) and reply.data["thread_ts"] == "1700000000.000001"
    assert MlmdAlertStore.open(tmp_path).pending() == []


def test_invalid_auth_names_the_setting_and_the_token_leaks_nowhere(
        slack_standin: SlackStandin, tmp_path: pathlib.Path) -> None:
    slack_standin.script(then=invalid_auth())
    proc = dqv("run", "training_events", "--ds", "2026-11-07", "--json", "--verbose",
               "--artifact-root", str(tmp_path), env=slack_env(slack_standin))
    assert proc.returncode == 1  # the verdict, not the alert, decides
    record = json.loads(proc.stdout)
    assert "invalid_auth" in proc.stderr and "set DQV_SLACK_BOT_TOKEN" in proc.stderr
    assert "DQV_SLACK_BOT_TOKEN" in record["delivery"]["slack"]
    assert len(MlmdAlertStore.open(tmp_path).pending()) == 1  # delivered once the token is fixed
    secret = TOKEN.encode()
    assert secret not in proc.stdout.encode() + proc.stderr.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "metadata.sqlite" for p in files) and any(p.name == "run.json" for p in files)
    for path in files:
        assert secret not in path.read_bytes(), path
    # What reached "Slack" did carry it: the grep above would have found a leak.
    assert slack_standin.requests[0].headers["Authorization"].endswith(TOKEN)


@pytest.mark.parametrize("routes, message", [
    ("routes:\n  - channel: ml alerts\n", "routes.yaml:2, field 'routes[0].channel'"),
    ("routes:\n  - channel: '#a'\n    severity: fatal\n", "routes.yaml:3, field 'routes[0].severity'"),
    ("routes:\n  - channel: '#a'\n    mentions: [S1]\n", "routes.yaml:3, field 'routes[0].mentions'"),
    ("owner_groups:\n  ml-growth: '@ml-growth'\nroutes:\n  - channel: '#a'\n",
     "routes.yaml:1, field 'owner_groups'"),
    ("public_url: dqv.example.com\nroutes:\n  - channel: '#a'\n", "routes.yaml:1, field 'public_url'"),
])
def test_validate_config_checks_the_routes(tmp_project: pathlib.Path, routes: str, message: str) -> None:
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text(routes)
    proc = dqv("validate-config", cwd=tmp_project)
    assert proc.returncode == 2
    assert message in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_broken_routes_do_not_change_the_verdict(slack_standin: SlackStandin, tmp_project: pathlib.Path
                                                 ) -> None:
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text("routes:\n  - channel: '#a'\n    sevrity: error\n")
    code, record, stderr = run_day("2026-11-08", tmp_project / "out", slack_env(slack_standin),
                                   cwd=tmp_project)
    assert (code, record["outcome"]) == (1, "block")
    assert record["delivery"]["slack"].startswith("failed: alert routes are invalid")
    assert "routes.yaml:3, field 'routes[0].sevrity'" in stderr
    assert slack_standin.requests == []
