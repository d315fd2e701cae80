"""Slack messages as data: Block Kit blocks plus the plain-text fallback. Pure functions.

Slack's limits (50 blocks, 3,000 characters per section text, 150 per header) are kept by
construction: what does not fit is summarized as "and N more".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from validator.core.evidence import RowEvidence
from validator.core.outcome import Outcome, Severity
from validator.notify.slack.mrkdwn import code, escape

ANOMALY_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ICON = {Severity.ERROR: ":red_circle:", Severity.WARNING: ":large_yellow_circle:"}
_OUTCOME_ICON = {Outcome.BLOCK: "🔴", Outcome.WARN: "🟡", Outcome.NOT_EVALUATED: "⚫", Outcome.PASS: "✅",
                 Outcome.NOT_READY: "⏳"}


@dataclasses.dataclass(frozen=True)
class Limits:
    max_blocks: int = 50
    max_section_chars: int = 3000
    max_header_chars: int = 150
    max_listed: int = 50  # findings listed one by one; the rest are counted
    max_line_chars: int = 600
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
    evidence: tuple[RowEvidence, ...] = ()  # sample rows and queries (notify/slack/evidence.py)


def ordered(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Worst first, then by feature and anomaly type."""
    return sorted(findings, key=lambda f: (-Severity(f["severity"]).rank, str(f["feature"]),
                                           str(f["anomaly_type"])))


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _number(value: float) -> str:
    return f"{value:.4g}"


def _type(anomaly_type: object) -> str:
    text = str(anomaly_type)
    return code(text) if ANOMALY_TYPE.match(text) else escape(text, 100)


def finding_line(finding: dict[str, Any], limits: Limits = Limits()) -> str:
    severity = Severity(finding["severity"])
    line = (f"{_ICON.get(severity, '•')} *{escape(finding['feature'], 200)}* {_type(finding['anomaly_type'])}"
            f" — {escape(finding.get('short_description') or '', 200)}")
    description = str(finding.get("description") or "")
    if description and description != finding.get("short_description"):
        line += f": {escape(description, 300)}"  # names the offending values, e.g. new categories
    if finding.get("value") is not None:
        line += f" (measured {_number(float(finding['value']))}"
        if finding.get("threshold") is not None:
            line += f", threshold {_number(float(finding['threshold']))}"
        line += ")"
    waiver = finding.get("waiver")
    if isinstance(waiver, dict):  # shown with the anomaly, active or expired (docs/gate-and-waivers.md)
        state = "waiver EXPIRED" if waiver.get("expired") else "waived"
        line += (f" [{state} until {escape(str(waiver.get('until')), 20)} by "
                 f"{escape(str(waiver.get('owner')), 100)}: {escape(str(waiver.get('reason')), 200)}]")
    # Escaping can lengthen text; clip the finished line without cutting an entity in two.
    if len(line) > limits.max_line_chars:
        cut = line[: limits.max_line_chars - 1]
        amp = cut.rfind("&")
        if amp > cut.rfind(";"):
            cut = cut[:amp]
        line = cut + "…"
    return line


def _counts(findings: Sequence[dict[str, Any]]) -> str:
    errors = sum(1 for f in findings if f["severity"] == Severity.ERROR.value)
    warnings = sum(1 for f in findings if f["severity"] == Severity.WARNING.value)
    noun = "anomaly" if len(findings) == 1 else "anomalies"
    return f"{len(findings)} {noun}: {errors} error{'s' * (errors != 1)}, " \
           f"{warnings} warning{'s' * (warnings != 1)}"


def header_text(job: str, ds: str | None, outcome: Outcome, limits: Limits = Limits()) -> str:
    text = f"{_OUTCOME_ICON[outcome]} {job} · ds={ds or 'none'} · {outcome.value.upper()}"
    return text[: limits.max_header_chars]


def _summary(facts: AlertFacts) -> str:
    lines = [f"*{_counts(facts.findings)}*" if facts.findings else "*no anomalies listed*"]
    if facts.outcome is Outcome.NOT_EVALUATED:
        lines.append(f"The data was *not evaluated*: {escape(facts.error or 'unknown reason', 1500)}")
    if facts.changes is not None:
        c = facts.changes
        lines.append(f"Still failing (repeat of this thread's alert): {c.new} new, {c.still_open} "
                     f"still open, {c.cleared} cleared since the last message.")
    if facts.mentions and facts.outcome is Outcome.BLOCK:
        lines.append("The gate *blocked* training: " + " ".join(f"<!subteam^{g}>" for g in facts.mentions))
    return "\n".join(lines)


def _locations(facts: AlertFacts) -> str:
    parts = [f"run {code(facts.run_id)}"]
    if facts.report:
        parts.append(f"report {code(facts.report)}")
    if facts.statistics:
        parts.append(f"statistics {code(facts.statistics)}")
    elif facts.artifact_dir:
        parts.append(f"artifacts {code(facts.artifact_dir)}")
    return " · ".join(parts)


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
    from validator.notify.slack.evidence import evidence_sections

    rows = evidence_sections(facts.evidence, listed, limits.max_section_chars)
    fixed = 4 + len(rows)  # header, summary, "and N more", evidence, locations
    sections, unfit = pack_sections([finding_line(f, limits) for f in listed], limits,
                            max(limits.max_blocks - fixed, 1))
    left_out = unfit + len(findings) - len(listed)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": header_text(facts.job, facts.ds, facts.outcome, limits)}},
        _section(_summary(facts)[: limits.max_section_chars]),
        *(_section(text) for text in sections),
    ]
    if left_out:
        blocks.append(_section(f"…and {left_out} more (not listed here; see the report)"))
    blocks += rows
    blocks.append({"type": "context", "elements": [_mrkdwn(_locations(facts)[:2000])]})
    return Message(text=_fallback(facts, findings, left_out, limits), blocks=blocks)


def _fallback(facts: AlertFacts, findings: Sequence[dict[str, Any]], left_out: int,
              limits: Limits) -> str:
    head = f"{facts.job} ds={facts.ds or 'none'}: {facts.outcome.value.upper()}"
    if facts.changes is not None:
        head = "still failing: " + head
    if not findings:
        return escape(f"{head} — {facts.error or 'no anomalies'}", limits.max_fallback_chars)
    names = [f"{f['feature']} {f['anomaly_type']}" for f in findings]
    text = escape(f"{head} — {_counts(findings)}", limits.max_fallback_chars) + ": "
    shown = 0
    for name in names:
        piece = escape(name, 200) + ", "
        if len(text) + len(piece) > limits.max_fallback_chars - 40:
            break
        text += piece
        shown += 1
    text = text.removesuffix(", ")
    if shown < len(names):
        text += f" and {len(names) - shown} more"
    return text


def resolved_message(job: str, ds: str | None, run_id: str, cleared: int) -> Message:
    noun = "anomaly" if cleared == 1 else "anomalies"
    text = (f"Resolved: {job} ds={ds or 'none'}: the {cleared} {noun} reported in "
            "this thread are cleared.")
    blocks = [_section(f":white_check_mark: *Resolved*: {escape(job)} ds={escape(ds or 'none')}: "
                       f"the {cleared} {noun} reported in this thread are cleared."),
              {"type": "context", "elements": [_mrkdwn(f"run {code(run_id)}")]}]
    return Message(text=escape(text), blocks=blocks)
