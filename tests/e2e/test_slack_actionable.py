"""Acceptance 1 of issue 18: a blocked day's Slack message is one an on-call engineer can act
on. The real CLI in a subprocess, the real slack_sdk client against the Slack stand-in.

The day: the sample 2026-11-10 (country mix and session durations drifted against the baseline
2026-11-05) with one more column whose name is hostile to mrkdwn (`user_*tier*_v2`) and which
carries values outside its schema domain. The routes send that column's findings to its
owners' channel and the rest to the data-quality channel, with `public_url` set.
"""

from __future__ import annotations

import html
import json
import pathlib
import re
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from tests.conftest import REPO, dqv
from tests.support.slack_standin import RecordedRequest, SlackStandin
from validator.config.job import load_job
from validator.notify.slack.mrkdwn import ZWSP

TOKEN = "xoxb-1234-5678-actionable"
TIER = "user_*tier*_v2"  # underscores and asterisks: mrkdwn formatting if not in a code span
PUBLIC_URL = "https://dqv.example.com"
BASELINE_DS, BLOCKED_DS = "2026-11-05", "2026-11-10"
ROUTES = f"""
public_url: {PUBLIC_URL}/
owners:
  tiers: ["user_*"]
owner_groups:
  ml-growth: S0GROWTH01
  tiers: S0TIERS001
routes:
  - owner: tiers
    channel: "#tiers"
  - channel: "#ml-data-quality"
    mention_on_block: [S0DQVONCALL]
"""
CODE_SPAN = re.compile(r"```\n(.*?)\n```|`([^`\n]+)`", re.S)


def _tiers(rows: int, blocked: bool) -> list[str]:
    """gold and silver; on the blocked day also 3 values outside the domain, counts distinct."""
    tiers = ["gold" if i % 3 else "silver" for i in range(rows)]
    for i in range(rows if blocked else 0):
        if i % 10 == 0:
            tiers[i] = "platinum_plus"
        elif i % 50 == 1:
            tiers[i] = "<!channel>"
        elif i % 500 == 3:
            tiers[i] = "*bold*"
    return tiers


def _project(tmp_project: pathlib.Path) -> None:
    for ds in (BASELINE_DS, BLOCKED_DS):
        source = REPO / f"sample_data/training_events/ds={ds}/part-000.parquet"
        table = pq.read_table(source)
        table = table.append_column(TIER, pa.array(_tiers(table.num_rows, ds == BLOCKED_DS)))
        (tmp_project / "data" / f"ds={ds}").mkdir(parents=True)
        pq.write_table(table, tmp_project / "data" / f"ds={ds}" / "part-000.parquet")
    job = tmp_project / "jobs" / "training_events.yaml"
    job.write_text(job.read_text().replace("path: sample_data/training_events", "path: data"))
    schema = tmp_project / "schemas" / "training_events.pbtxt"
    schema.write_text(schema.read_text() + f"""
feature {{
  name: "{TIER}"
  type: BYTES
  domain: "tier"
  presence {{ min_fraction: 1.0 min_count: 1 }}
  shape {{ dim {{ size: 1 }} }}
}}
string_domain {{ name: "tier" value: "gold" value: "silver" }}
""")
    (tmp_project / "alerts").mkdir()
    (tmp_project / "alerts" / "routes.yaml").write_text(ROUTES)


def _run(tmp_project: pathlib.Path, ds: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    proc = dqv("run", "training_events", "--ds", ds, "--json", "--quiet", "--artifact-root",
               str(tmp_project / "out"), cwd=tmp_project, env=env)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def texts(post: RecordedRequest) -> list[str]:
    """Every mrkdwn text Slack renders for the message: the fallback and each block."""
    out = [str(post.data["text"])]
    for block in post.data["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", []))
    return out


def copied(text: str) -> list[str]:
    """What a reader copies out of each code span: the text between the backticks, with
    Slack's entities read back (what the Slack client shows)."""
    return [html.unescape(block or span) for block, span in CODE_SPAN.findall(text)]


def test_a_blocked_day_says_who_what_against_what_and_what_to_do(
        slack_standin: SlackStandin, tmp_project: pathlib.Path) -> None:
    _project(tmp_project)
    env = {"DQV_SLACK_BOT_TOKEN": TOKEN, "DQV_SLACK_BASE_URL": slack_standin.base_url,
           "DQV_SLACK_WEBHOOK_URL": "", "DQV_METADATA": ""}
    assert _run(tmp_project, BASELINE_DS, env)[0] == 0
    code, record = _run(tmp_project, BLOCKED_DS, env)
    assert (code, record["outcome"], record["baseline_ds"]) == (1, "block", BASELINE_DS)
    run_id = record["run_id"]
    posts = {p.data["channel"]: p for p in slack_standin.posts()}
    assert set(posts) == {"#tiers", "#ml-data-quality"}

    for channel, post in posts.items():
        summary = post.data["blocks"][1]["text"]["text"]
        # The verdict in every routed channel's message, not only where a route mentions.
        assert summary.startswith(f":no_entry: *Gate: blocked* — do not train on ds={BLOCKED_DS}")
        step = next(t for t in texts(post) if t.startswith("*Next step*"))
        assert f"`dqv show {run_id}`" in step
        assert f"<{PUBLIC_URL}/reports/{BLOCKED_DS}|report>" in step
        assert f"<{PUBLIC_URL}/runs/{run_id}|run>" in step
        assert "`jobs/training_events.yaml`" in step, channel

    tiers = "\n".join(texts(posts["#tiers"]))
    assert "Owner: `tiers`" in tiers and "<!subteam^S0TIERS001>" in tiers
    assert "<!subteam^S0DQVONCALL>" not in tiers  # that route's mention stays in its channel
    assert "*1 anomaly: 1 error, 0 warnings*" in tiers
    assert "`ENUM_TYPE_UNEXPECTED_STRING_VALUES` — Unexpected string values" in tiers
    assert "observed: 3 values not in the domain" in tiers
    assert "expected: one of gold, silver (schema domain)" in tiers
    rows = record["rows"]
    outside = Counter(t for t in _tiers(rows, blocked=True) if t not in ("gold", "silver"))
    affected = sum(outside.values())
    assert f"affected: {affected:,} of {rows:,} rows ({affected / rows:.1%})" in tiers
    assert (f"examples: `platinum_plus` ({outside['platinum_plus']:,}), `&lt;!channel&gt;` "
            f"({outside['<!channel>']:,}), `*bold*` ({outside['*bold*']:,})") in tiers
    assert "<!channel>" not in tiers  # a value is never a mention

    quality = "\n".join(texts(posts["#ml-data-quality"]))
    assert "Owner: `ml-growth`" in quality
    assert "<!subteam^S0DQVONCALL>" in quality and "<!subteam^S0GROWTH01>" in quality
    assert "*2 anomalies: 2 errors, 0 warnings*" in quality
    # Drift: the value that moved most, this run against the baseline, and the baseline's ds.
    drift = re.search(r"observed: US (\d+(?:\.\d)?)% of rows \(L-infinity distance (0\.\d+)\)\n"
                      rf"\s+expected: US (\d+(?:\.\d)?)% as in the baseline ds={BASELINE_DS} "
                      r"\(L-infinity distance &lt;= 0\.1\)", quality)
    assert drift is not None, quality
    now, distance, before = float(drift[1]), float(drift[2]), float(drift[3])
    assert now > 70 and 35 < before < 45 and abs((now - before) / 100 - distance) < 0.002
    assert "Jensen-Shannon divergence &lt;= 0.15" in quality and f"ds={BASELINE_DS}" in quality

    # Copying any identifier out of the message gives the exact name: code spans, no
    # invisible characters inside them (nor anywhere next to a name).
    spans = [s for post in posts.values() for t in texts(post) for s in copied(t)]
    for name in (TIER, "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "COMPARATOR_L_INFTY_HIGH",
                 "country", "session_duration_s", "training_events", run_id,
                 f"dqv show {run_id}", "platinum_plus", "tiers", "ml-growth"):
        assert name in spans, name
    assert not any(ZWSP in s for s in spans)
    assert ZWSP not in "".join(texts(posts["#tiers"]))  # nothing in that message needed a fence

    # The waiver snippets, pasted into the job file, waive exactly the blocking findings:
    # the gate now lets training go ahead (with warnings), answered from the history.
    snippets = [yaml.safe_load(s) for post in posts.values() for t in texts(post)
                for s in copied(t) if s.startswith("waivers:")]
    waivers = [w for snippet in snippets for w in snippet["waivers"]]
    assert {(w["feature"], w["anomaly"]) for w in waivers} == {
        (f["feature"], f["anomaly_type"]) for f in record["findings"] if f["severity"] == "error"}
    job_file = tmp_project / "jobs" / "training_events.yaml"
    job_file.write_text(job_file.read_text() + yaml.safe_dump({"waivers": waivers}))
    assert {w.feature for w in load_job(job_file).waivers} >= {TIER, "country"}
    gate = dqv("gate", "training_events", "--ds", BLOCKED_DS, "--artifact-root",
               str(tmp_project / "out"), cwd=tmp_project, env={"DQV_METADATA": ""})
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert f"waived: {TIER} ENUM_TYPE_UNEXPECTED_STRING_VALUES" in gate.stdout
