"""Human-readable output: plain tables that read well in a terminal and in CI logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from validator.core.finding_text import plain_lines as finding_lines
from validator.core.findings import Finding
from validator.core.record import RunRecord
from validator.core.text import terminal_safe


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 80) -> str:
    cells = [[str(h) for h in headers]] + [[_clip(terminal_safe(c), max_width) for c in row]
                                           for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def waiver_lines(findings: Sequence[Finding | dict[str, Any]]) -> list[str]:
    """One line per waiver that matched a finding: active ones and expired ones (stored
    finding dicts are read as findings)."""
    lines = []
    for f in (x if isinstance(x, Finding) else Finding.from_json(x) for x in findings):
        waiver = f.waiver
        if not waiver:
            continue
        what = f"{f.feature} {f.anomaly_type}"
        if waiver.expired:
            lines.append(f"expired waiver: {what} (ended {waiver.until}, owner {waiver.owner}); "
                         f"it counts as {f.severity.value} again")
        else:
            lines.append(f"waived: {what} until {waiver.until} by {waiver.owner}: "
                         f"{waiver.reason}")
    return lines


def run_summary(record: RunRecord) -> str:
    outcome = record.outcome.value.upper() if record.outcome else "RUNNING"
    head = f"{record.job}  ds={record.ds or '-'}  {outcome}"
    details = [f"{record.rows:,} rows"]
    if record.baseline_ds:
        details.append(f"baseline ds={record.baseline_ds}")
    lines = [f"{head}  ({', '.join(details)})"]
    if record.error:
        what = "not ready" if record.outcome and record.outcome.value == "not_ready" else "not evaluated"
        lines.append(f"  {what}: {record.error}")
    shown = record.reported
    if shown:
        for finding in shown:
            lines += finding_lines(finding)
    elif record.outcome and record.outcome.value in ("pass", "warn"):
        lines.append("  no anomalies")
    lines.extend(f"  {m['key']}: {m['message']}" for m in record.monitors if m["status"] != "fired")
    for name, status in sorted(record.delivery.items()):
        if not status.ok:
            lines.append(f"  {name}: {status}")
    if record.artifact_dir:
        lines.append(f"  run {record.run_id}, artifacts in {record.artifact_dir}")
    return "\n".join(lines)


def backfill_summary(records: Sequence[RunRecord]) -> str:
    rows = []
    for r in records:
        defects = ", ".join(sorted({f"{f.feature}:{f.anomaly_type}" for f in r.reported}))
        rows.append((r.ds or "-", r.outcome.value if r.outcome else "running", f"{r.rows:,}",
                     r.error or defects or "-"))
    return table(["DS", "OUTCOME", "ROWS", "FINDINGS"], rows, max_width=100)
