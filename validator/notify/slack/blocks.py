"""Slack messages as data: Block Kit blocks plus the plain-text fallback. Pure functions.

Slack's limits (50 blocks, 3,000 characters per section text, 150 per header) are kept by
construction: what does not fit is summarized as "and N more".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from validator.core.evidence import RowEvidence
from validator.core.outcome import Outcome, Severity
from validator.notify.slack.evidence import evidence_sections
from validator.notify.slack.findings import (
    finding_mrkdwn,
    is_anomaly,
    run_links,
    waiver_snippet,
)
from validator.notify.slack.mrkdwn import code, code_block, escape

_OUTCOME_ICON = {Outcome.BLOCK: "🔴", Outcome.WARN: "🟡", Outcome.NOT_EVALUATED: "⚫", Outcome.PASS: "✅",
                 Outcome.NOT_READY: "⏳"}


@dataclasses.dataclass(frozen=True)
class Limits:
    max_blocks: int = 50
    max_section_chars: int = 3000
    max_header_chars: int = 150
    max_listed: int = 50  # findings listed one by one; the rest are counted
    max_line_chars: int = 2400  # one finding: its head, parts and sample rows
    max_fallback_chars: int = 3000


@dataclasses.dataclass(frozen=True)
class Message:
    text: str  # the fallback shown in notifications
    blocks: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(text=str(data["text"]), blocks=list(data.get("blocks", [])))


@dataclasses.dataclass(frozen=True)
class Changes:
    """How a repeat differs from what the thread already reported."""

    new: int
    still_open: int
    cleared: int


@dataclasses.dataclass(frozen=True)
class AlertFacts:
    """What one alert message is about (one run, the findings routed to one channel)."""

    job: str
    ds: str | None
    outcome: Outcome
    run_id: str
    findings: tuple[dict[str, Any], ...]  # run.json finding dicts
    artifact_dir: str = ""
    statistics: str | None = None
    report: str | None = None
    error: str | None = None  # why a run was not evaluated
    mentions: tuple[str, ...] = ()  # user group IDs, used only for blocking outcomes
    changes: Changes | None = None  # set for repeats posted into a thread
    owner: str = ""  # the job's owner
    owners: tuple[str, ...] = ()  # the owners of the findings in this channel (routes `owners`)
    job_file: str = ""  # where a waiver goes (relative to the project)
    public_url: str | None = None  # `dqv serve`'s public URL (routes `public_url`)
    # sample rows and a pasteable query per blocking value finding (core/evidence.py)
    evidence: tuple[RowEvidence, ...] = ()


def ordered(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Worst first, then by feature and anomaly type."""
    return sorted(findings, key=lambda f: (-Severity(f["severity"]).rank, str(f["feature"]),
                                           str(f["anomaly_type"])))


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def clip_text(text: str, limit: int) -> str:
    """Escaping can lengthen text; clip finished text without cutting an entity in two."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    if cut.count("```") % 2:  # never leave a code block open
        cut = cut[: cut.rfind("```")]
    return cut + "…"


def finding_line(finding: dict[str, Any], limits: Limits = Limits()) -> str:
    """One finding in the one renderer's words (notify/slack/findings.py); its sample rows
    follow the findings (notify/slack/evidence.py)."""
    return clip_text(finding_mrkdwn(finding), limits.max_line_chars)


def counts_text(findings: Sequence[dict[str, Any]]) -> str:
    """'3 anomalies: 1 error, 2 warnings'; the stand-in of an unevaluated run is not counted."""
    findings = [f for f in findings if is_anomaly(f)]
    errors = sum(1 for f in findings if f["severity"] == Severity.ERROR.value)
    warnings = sum(1 for f in findings if f["severity"] == Severity.WARNING.value)
    noun = "anomaly" if len(findings) == 1 else "anomalies"
    return f"{len(findings)} {noun}: {errors} error{'s' * (errors != 1)}, " \
           f"{warnings} warning{'s' * (warnings != 1)}"


def header_text(job: str, ds: str | None, outcome: Outcome, limits: Limits = Limits()) -> str:
    text = f"{_OUTCOME_ICON[outcome]} {job} · ds={ds or 'none'} · {outcome.value.upper()}"
    return text[: limits.max_header_chars]


_VERDICT = {
    Outcome.BLOCK: ":no_entry: *Gate: blocked* — do not train on ds={ds}",
    Outcome.NOT_EVALUATED: ":no_entry: *Gate: no verdict* (not evaluated) — do not train on ds={ds}",
    Outcome.WARN: "*Gate: passes with warnings* — training on ds={ds} may go ahead",
    Outcome.PASS: "*Gate: passes* — training on ds={ds} may go ahead",
    Outcome.NOT_READY: "*Gate: not ready* — no data for ds={ds} yet",
}


def verdict_line(facts: AlertFacts) -> str:
    """The gate's verdict, in every routed channel's message; a blocking one mentions the
    routes' `mention_on_block` groups and the owners' groups."""
    line = _VERDICT[facts.outcome].format(ds=escape(facts.ds or "none", 20))
    if facts.mentions and facts.outcome is Outcome.BLOCK:
        line += " " + " ".join(f"<!subteam^{g}>" for g in facts.mentions)
    return line


def _summary(facts: AlertFacts) -> str:
    lines = [verdict_line(facts)]
    owners = facts.owners or ((facts.owner,) if facts.owner else ())
    if owners:
        lines.append(f"Owner{'s' * (len(owners) > 1)}: " + ", ".join(code(o, 100) for o in owners))
    if facts.outcome is Outcome.NOT_EVALUATED:
        lines.append(f"The data was *not evaluated*: {escape(facts.error or 'unknown reason', 1500)}")
    else:
        listed = [f for f in facts.findings if is_anomaly(f)]
        lines.append(f"*{counts_text(listed)}*" if listed else "*no anomalies listed*")
    if facts.changes is not None:
        c = facts.changes
        lines.append(f"Still failing (repeat of this thread's alert): {c.new} new, {c.still_open} "
                     f"still open, {c.cleared} cleared since the last message.")
    return "\n".join(lines)


def _locations(facts: AlertFacts) -> str:
    parts = [f"job {code(facts.job)}", f"run {code(facts.run_id)}"]
    if facts.public_url:
        return " · ".join(parts)  # the links in the message are the way in
    if facts.report:
        parts.append(f"report {code(facts.report)}")
    if facts.artifact_dir:
        parts.append(f"artifacts {code(facts.artifact_dir)}")
    return " · ".join(parts)


def next_step(facts: AlertFacts, findings: Sequence[dict[str, Any]]) -> str:
    """What to do now: `dqv show RUN`, the links (with `public_url`) and a waiver snippet."""
    links = run_links(facts.public_url, facts.ds, facts.run_id)
    lines = [f"*Next step*: {code(f'dqv show {facts.run_id}')}"
             + (f" · {' · '.join(links)}" if links else "")]
    snippet = waiver_snippet([f for f in findings if is_anomaly(f)], facts.ds, facts.owner)
    if snippet:
        where = code(facts.job_file) if facts.job_file else f"the job file of {code(facts.job)}"
        lines.append(f"To accept a blocking finding for a while, add a waiver to {where} "
                     "(and say why):")
        lines.append(code_block(snippet, 1500))
    return "\n".join(lines)


def pack_sections(lines: Sequence[str], limits: Limits, max_sections: int) -> tuple[list[str], int]:
    """Lines joined into at most `max_sections` texts of at most max_section_chars each;
    returns the texts and how many lines did not fit. Shared by alerts and the digest."""
    sections: list[str] = []
    current = ""
    for used, line in enumerate(lines):
        line = line[: limits.max_section_chars]  # one overlong line must not break the limit
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limits.max_section_chars:
            current = candidate
            continue
        if len(sections) + 1 >= max_sections:
            sections.append(current)
            return sections, len(lines) - used
        sections.append(current)
        current = line
    if current:
        sections.append(current)
    return sections, 0


def alert_message(facts: AlertFacts, limits: Limits = Limits()) -> Message:
    findings = ordered(facts.findings)
    listed = findings[: limits.max_listed]
    rows = evidence_sections(facts.evidence, listed, limits.max_section_chars)
    fixed = 5 + len(rows)  # header, summary, "and N more", evidence, next step, locations
    lines = [finding_line(f, limits) for f in listed if is_anomaly(f)]
    sections, unfit = pack_sections(lines, limits, max(limits.max_blocks - fixed, 1))
    left_out = unfit + len(findings) - len(listed)
    step = next_step(facts, findings)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": header_text(facts.job, facts.ds, facts.outcome, limits)}},
        _section(clip_text(_summary(facts), limits.max_section_chars)),
        *(_section(text) for text in sections),
    ]
    if left_out:
        blocks.append(_section(f"…and {left_out} more (not listed here; see the report)"))
    blocks += rows
    blocks.append(_section(clip_text(step, limits.max_section_chars)))
    blocks.append({"type": "context", "elements": [_mrkdwn(_locations(facts)[:2000])]})
    return Message(text=_fallback(facts, findings, left_out, limits), blocks=blocks)


def _fallback(facts: AlertFacts, findings: Sequence[dict[str, Any]], left_out: int,
              limits: Limits) -> str:
    """The notification text: identifiers in code spans, as in the blocks."""
    head = f"{code(facts.job, 100)} ds={escape(facts.ds or 'none', 20)}: {facts.outcome.value.upper()}"
    if facts.changes is not None:
        head = "still failing: " + head
    findings = [f for f in findings if is_anomaly(f)]
    if not findings or facts.outcome is Outcome.NOT_EVALUATED:
        return head + " — " + escape(facts.error or "no anomalies", limits.max_fallback_chars - 300)
    text = f"{head} — {counts_text(findings)}: "
    shown = 0
    for f in findings:
        piece = f"{code(f['feature'], 200)} {code(f['anomaly_type'], 100)}, "
        if len(text) + len(piece) > limits.max_fallback_chars - 40:
            break
        text += piece
        shown += 1
    text = text.removesuffix(", ")
    if shown < len(findings):
        text += f" and {len(findings) - shown} more"
    return text


def resolved_message(job: str, ds: str | None, run_id: str, cleared: int) -> Message:
    """`cleared`: the anomalies the thread reported (an unevaluated run is not one of them)."""
    noun = "anomaly" if cleared == 1 else "anomalies"
    what = f"the {cleared} {noun} reported in this thread are cleared" if cleared else \
        "the data is evaluated again and nothing reported in this thread is left"
    text = f"Resolved: {job} ds={ds or 'none'}: {what}."
    blocks = [_section(f":white_check_mark: *Resolved*: {code(job)} ds={escape(ds or 'none')}: "
                       f"{what}."),
              {"type": "context", "elements": [_mrkdwn(f"run {code(run_id)}")]}]
    return Message(text=escape(text), blocks=blocks)
