"""The one finding renderer: the words every output (dqv run, show, gate, Slack, the digest,
the report) uses for a finding. Pure.

`describe` turns a finding into labelled plain-text parts (headline, observed, expected, rows
affected, examples, waiver); each output only escapes and lays out those parts for its medium
(terminal_safe, Slack mrkdwn, HTML), so the words are the same everywhere. `sentence` is the
one-line form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from validator.core.findings import Finding

MAX_EXAMPLES = 5


@dataclasses.dataclass(frozen=True)
class FindingText:
    feature: str
    anomaly_type: str
    severity: str  # "error", "warning", "error (waived)"
    headline: str  # what is wrong, in words: "Unexpected string values"
    observed: str = ""  # "smart_tv"
    expected: str = ""  # "one of desktop, mobile, tablet (schema domain)"
    affected: str = ""  # "312 of 10,000 rows (3.1%)"
    examples: str = ""  # "smart_tv (312), tv (4)"
    waiver: str = ""  # "waived until 2026-12-31 by data-eng: migration"
    note: str = ""  # TFDV's (or the monitor's) own words, when nothing is observed/expected

    def parts(self) -> list[tuple[str, str]]:
        """The labelled parts that are known, in the order every output shows them."""
        labelled = [("observed", self.observed), ("expected", self.expected),
                    ("affected", self.affected), ("examples", self.examples),
                    ("details", self.note), ("waiver", self.waiver)]
        return [(label, text) for label, text in labelled if text]


def share(value: float) -> str:
    """0.031 -> '3.1%'; 0.12 -> '12%'."""
    return f"{value:.1%}".replace(".0%", "%")


def _affected(finding: Finding) -> str:
    detail = finding.detail
    if detail is None or detail.rows_affected is None:
        return ""
    if detail.rows_total:
        part = share(detail.rows_affected / detail.rows_total)
        return f"{detail.rows_affected:,} of {detail.rows_total:,} rows ({part})"
    return f"{detail.rows_affected:,} rows"


def examples_text(finding: Finding, value: Callable[[str], str] = str) -> str:
    """The examples part; `value` marks up each offending value for a medium (Slack puts each
    in a code span) without changing the words around it."""
    if finding.detail is None:
        return ""
    shown = finding.detail.examples[:MAX_EXAMPLES]
    text = ", ".join(value(e.value) if e.count is None else f"{value(e.value)} ({e.count:,})"
                     for e in shown)
    more = len(finding.detail.examples) - len(shown)
    return text + (f", and {more} more" if more > 0 else "")


def _waiver(finding: Finding) -> str:
    waiver = finding.waiver
    if waiver is None:
        return ""
    if waiver.expired:
        return (f"waiver expired {waiver.until} (owner {waiver.owner}); it counts as "
                f"{finding.severity.value} again")
    return f"waived until {waiver.until} by {waiver.owner}: {waiver.reason}"


def describe(finding: Finding) -> FindingText:
    detail = finding.detail
    severity = finding.severity.value
    if finding.waiver and not finding.waiver.expired:
        severity += " (waived)"
    expected = detail.expected if detail else ""
    if detail and detail.baseline_ds and "baseline" not in expected:
        expected = f"{expected} (baseline ds={detail.baseline_ds})".strip()
    observed = detail.observed if detail else ""
    if not observed and finding.value is not None:
        observed = f"{finding.value:.3g}"
        if not expected and finding.threshold is not None:
            expected = f"<= {finding.threshold:g}"
    headline = finding.short_description or finding.anomaly_type
    note = ""
    if detail is None and finding.description != headline:
        note = " ".join(finding.description.split())
    return FindingText(feature=finding.feature, anomaly_type=finding.anomaly_type,
                       severity=severity, headline=headline,
                       observed=observed, expected=expected, affected=_affected(finding),
                       examples=examples_text(finding), waiver=_waiver(finding), note=note)


def sentence(finding: Finding) -> str:
    """One plain line: "<headline>: observed X; expected Y; rows ...; examples ..."."""
    text = describe(finding)
    parts = "; ".join(f"{label} {value}" for label, value in text.parts())
    return f"{text.headline}: {parts}" if parts else text.headline


def plain_lines(finding: Finding | Mapping[str, Any], indent: str = "  ") -> list[str]:
    """A finding as plain text lines (the terminal's `dqv run`, `dqv show`, `dqv gate`): a head
    line (severity, feature, anomaly type, headline), then one line per known part. Stored
    finding dicts are read as findings; the caller makes the text terminal-safe."""
    text = describe(finding if isinstance(finding, Finding) else Finding.from_json(dict(finding)))
    lines = [f"{indent}{text.severity}  {text.feature}  {text.anomaly_type}  {text.headline}"]
    lines += [f"{indent}    {label + ':':<10}{' '.join(value.split())}"
              for label, value in text.parts()]
    return lines
