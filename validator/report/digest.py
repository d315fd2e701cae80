"""The day's Slack digest: one message for all jobs. Building it is pure; sending takes a
`slack_sdk.WebClient` (pointed at Slack, or at the tests' stand-in through `base_url`).

Blocked jobs come first, then jobs not evaluated, warnings, and passes in one line. Every
value from data or configuration is escaped for mrkdwn, and Slack's limits (50 blocks,
3,000 characters per section) hold by construction: what does not fit is counted.
"""

from __future__ import annotations

from typing import Any

from validator.core.outcome import Outcome
from validator.errors import DeliveryError
from validator.notify.slack.blocks import Limits, Message, clip_text, pack_sections
from validator.notify.slack.findings import finding_mrkdwn
from validator.notify.slack.mrkdwn import code, escape
from validator.report.data import DayReport, JobReport

ICON = {Outcome.BLOCK: "🔴", Outcome.NOT_EVALUATED: "⚫", Outcome.WARN: "🟡", Outcome.PASS: "✅",
        Outcome.NOT_READY: "⏳"}
LABEL = {Outcome.BLOCK: "blocked", Outcome.NOT_EVALUATED: "not evaluated", Outcome.WARN: "warn",
         Outcome.PASS: "pass", Outcome.NOT_READY: "not ready"}
SLACK_LIMITS = Limits()
FINDINGS_PER_JOB = 3  # the digest says what is wrong; the report says everything


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _job_line(job: JobReport) -> str:
    r = job.record
    head = f"{ICON[job.outcome]} {code(job.info.name, 100)} ds={escape(r.ds or 'none', 20)}"
    if job.outcome is Outcome.NOT_READY:
        return f"{head} — not ready (no data yet): {escape(r.error or 'no data', 400)}"
    if job.outcome is Outcome.NOT_EVALUATED:
        return f"{head} — not evaluated: {escape(r.error or 'unknown reason', 400)}"
    shown = r.reported
    counts = f"{r.counts.errors} error(s), {r.counts.warnings} warning(s)"
    # Each finding in the one renderer's words (notify/slack/findings.py), one line each.
    items = [f"   {finding_mrkdwn(f, one_line=True)}" for f in shown[:FINDINGS_PER_JOB]]
    if len(shown) > FINDINGS_PER_JOB:
        items.append(f"   …and {len(shown) - FINDINGS_PER_JOB} more")
    return "\n".join([f"{head} — {counts}" + (":" if items else ""), *items])


def _passed_line(jobs: list[JobReport], limits: Limits) -> str:
    text = f"{ICON[Outcome.PASS]} *Passed*: "
    names = [code(j.info.name, 100) for j in jobs]
    shown = 0
    for name in names:
        if len(text) + len(name) + 40 > limits.max_section_chars:
            break
        text += (", " if shown else "") + name
        shown += 1
    return text + (f" and {len(names) - shown} more" if shown < len(names) else "")


def digest_message(report: DayReport, report_location: str, limits: Limits = SLACK_LIMITS) -> Message:
    counts = report.counts()
    which = "ds" if report.by == "ds" else "runs of"
    title = f"dqv data quality · {which} {report.date}"[: limits.max_header_chars]
    summary = " · ".join(f"{ICON[o]} {n} {LABEL[o]}" for o, n in counts.items() if n) or "no runs"
    problems = [j for j in report.jobs if j.outcome is not Outcome.PASS]  # already worst first
    passed = [j for j in report.jobs if j.outcome is Outcome.PASS]
    fixed = 5  # header, summary, passed, "and N more", context
    sections, left_out = pack_sections([_job_line(j) for j in problems], limits, limits.max_blocks - fixed)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        _section(f"*{len(report.jobs)} job run(s)*: {summary}"),
        *(_section(s) for s in sections),
    ]
    if left_out:
        blocks.append(_section(f"…and {left_out} more job(s) with problems; see the report"))
    if passed:
        blocks.append(_section(_passed_line(passed, limits)))
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"Report: {_location(report_location)}"[:2000], "verbatim": True}]})
    return Message(text=_fallback(report, counts, limits), blocks=blocks)


def _location(where: str) -> str:
    if where.startswith(("https://", "http://")) and not any(c in where for c in "<>| "):
        return f"<{where.replace('&', '&amp;')}|open the report>"
    return code(where, 1500)


def _fallback(report: DayReport, counts: dict[Outcome, int], limits: Limits) -> str:
    blocked = [j.info.name for j in report.jobs if j.outcome is Outcome.BLOCK]
    parts = [f"{n} {LABEL[o]}" for o, n in counts.items() if n]
    text = escape(f"dqv data quality {report.date}: {', '.join(parts) or 'no runs'}")
    if blocked:  # job names in code spans: copied, they are the exact names
        text += ". Blocked: " + ", ".join(code(name, 100) for name in blocked)
    return clip_text(text, limits.max_fallback_chars)


def send_digest(client: Any, channel: str, message: Message) -> str:
    """Post the digest with `client` (a slack_sdk WebClient); returns the message's ts."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        response = client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                           unfurl_links=False, unfurl_media=False)
    except SlackApiError as err:
        code_ = err.response.get("error") if err.response is not None else "unknown"
        hint = " (check DQV_SLACK_BOT_TOKEN)" if code_ in ("invalid_auth", "not_authed") else ""
        raise DeliveryError(f"Slack refused the digest for {channel}: {code_}{hint}") from None
    except (SlackClientError, OSError) as err:
        raise DeliveryError(f"could not reach Slack to post the digest: {err}") from None
    return str(response.get("ts", ""))
