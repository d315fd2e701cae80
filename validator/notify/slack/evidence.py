"""Row evidence in a Slack alert: a few sample rows per blocking finding in a code block, and
the query that finds all of them (core/evidence.py). Masked values arrive as `***` already."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from validator.core.evidence import RowEvidence
from validator.notify.slack.mrkdwn import code, code_block, escape

MAX_ROWS = 3  # rows per finding in a message; the run's evidence.json keeps up to max_rows
MAX_FINDINGS = 3  # findings with evidence per message


def _row(values: Sequence[str | None]) -> str:
    return " | ".join("NULL" if v is None else " ".join(v.split())[:60] for v in values)


def evidence_text(item: RowEvidence, max_chars: int = 3000) -> str:
    what = f"*Rows* of {code(item.feature, 200)} {code(item.anomaly_type, 100)}"
    if item.error:
        head = f"{what}: not read ({escape(item.error, 300)})"
        body = ""
    else:
        shown = item.rows[:MAX_ROWS]
        more = ", more match" if item.truncated else ""
        head = f"{what}: {len(shown)} of {len(item.rows)} sample rows{more}"
        lines = [_row(item.columns), *(_row(r) for r in shown)]
        body = "\n" + code_block("\n".join(lines), max_chars // 2)
    dialect = item.dialect_label
    query = f"\nAll of them ({dialect}):\n{code_block(item.query, max_chars // 2 - 100)}" \
        if item.query else ""
    return (head + body + query)[:max_chars]


def evidence_sections(evidence: Sequence[RowEvidence], findings: Sequence[dict[str, Any]],
                      max_chars: int) -> list[dict[str, Any]]:
    """One section per finding of this message that has evidence (at most MAX_FINDINGS)."""
    listed = {(str(f.get("feature")), str(f.get("anomaly_type"))) for f in findings}
    chosen = [e for e in evidence if (e.feature, e.anomaly_type) in listed][:MAX_FINDINGS]
    return [{"type": "section", "text": {"type": "mrkdwn", "verbatim": True,
                                         "text": evidence_text(e, max_chars)}} for e in chosen]
