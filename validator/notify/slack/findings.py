"""A finding in Slack mrkdwn, in the one renderer's words (core/finding_text.py), and the pieces
of what an on-call reader does next (blocks.next_step lays them out): the run's links, a waiver
snippet to paste into the job file. Pure.

Identifiers (feature names, anomaly types, run ids, job names, offending values) go in code
spans (`code`), which Slack never formats, so no invisible character is put inside them and a
name copied from the message is the exact name. Free text is `escape`d.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from validator.core.finding_text import describe, examples_text
from validator.core.findings import Finding
from validator.core.outcome import Severity
from validator.notify.slack.mrkdwn import code, escape

ANOMALY_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*$")
ICON = {Severity.ERROR: ":red_circle:", Severity.WARNING: ":large_yellow_circle:"}
NOT_EVALUATED = "NOT_EVALUATED"  # the routing stand-in of a run that was not evaluated
PSEUDO_TYPES = frozenset({NOT_EVALUATED})  # stand-ins for routing, not anomalies
NOT_WAIVABLE = frozenset({"NOT_EVALUATED", "DATA_LATE"})
MAX_WAIVERS = 3
WAIVER_DAYS = 7  # the snippet's `until`: a week after the ds, to be edited
PART_CHARS = 400


def as_finding(finding: Finding | Mapping[str, Any]) -> Finding:
    return finding if isinstance(finding, Finding) else Finding.from_json(dict(finding))


def is_anomaly(finding: Mapping[str, Any]) -> bool:
    """False for the routing stand-in of a run that was not evaluated: it is no anomaly and is
    never counted as one."""
    return str(finding.get("anomaly_type")) not in PSEUDO_TYPES


def _type(anomaly_type: str) -> str:
    return code(anomaly_type) if ANOMALY_TYPE.match(anomaly_type) else escape(anomaly_type, 100)


def _part(label: str, value: str, finding: Finding) -> str:
    if label == "examples":
        value = examples_text(finding, lambda v: code(v, 120))
        return f"{label}: {value}"
    return f"{label}: {escape(value, PART_CHARS)}"


def finding_head(finding: Finding | Mapping[str, Any]) -> str:
    f = as_finding(finding)
    text = describe(f)
    return (f"{ICON.get(f.severity, '•')} {code(f.feature, 200)} {_type(f.anomaly_type)} "
            f"— {escape(text.headline, 200)}"
            + (" (waived)" if text.severity.endswith("(waived)") else ""))


def finding_mrkdwn(finding: Finding | Mapping[str, Any], *, one_line: bool = False) -> str:
    """The head (icon, feature, anomaly type, headline) and every known part (observed,
    expected, affected, examples, details, waiver): one line each, or all on one line."""
    f = as_finding(finding)
    parts = [_part(label, value, f) for label, value in describe(f).parts()]
    if one_line:
        return finding_head(f) + (": " + "; ".join(parts) if parts else "")
    return "\n".join([finding_head(f), *(f"      {p}" for p in parts)])


def _until(ds: str | None) -> str:
    try:
        return (dt.date.fromisoformat(ds or "") + dt.timedelta(days=WAIVER_DAYS)).isoformat()
    except ValueError:
        return "YYYY-MM-DD"


def waiver_snippet(findings: Sequence[Finding | Mapping[str, Any]], ds: str | None, owner: str
                   ) -> str:
    """YAML for the job file's `waivers:` (docs/gate-and-waivers.md) waiving the blocking
    findings; names are JSON-quoted, which YAML reads as the exact string. Empty when nothing
    can be waived."""
    blocking = [as_finding(f) for f in findings]
    blocking = [f for f in blocking if f.policy_severity is Severity.ERROR
                and f.anomaly_type not in NOT_WAIVABLE
                and (f.waiver is None or f.waiver.expired)][:MAX_WAIVERS]
    if not blocking:
        return ""
    lines = ["waivers:"]
    for f in blocking:
        lines += [f"  - feature: {json.dumps(f.feature, ensure_ascii=False)}",
                  f"    anomaly: {f.anomaly_type}",
                  f"    until: {_until(ds)}",
                  f"    owner: {json.dumps(owner or 'your-team', ensure_ascii=False)}",
                  '    reason: "why training on this data is acceptable"']
    return "\n".join(lines)


def link(url: str, label: str) -> str:
    """A Slack link; `url` comes from checked configuration (no `<`, `>`, `|` or spaces)."""
    return f"<{url.replace('&', '&amp;')}|{label}>"


def run_links(public_url: str | None, ds: str | None, run_id: str) -> list[str]:
    """Links to the served report of the ds and to the run (`dqv serve`: /reports/DS, /runs/ID)."""
    if not public_url:
        return []
    base = public_url.rstrip("/")
    report = f"{base}/reports/{ds}" if ds else f"{base}/reports/latest"
    return [link(report, "report"), link(f"{base}/runs/{run_id}", "run")]
