"""Row evidence in the report: per blocking value finding, the sample rows and the query that
finds all of them (core/evidence.py), as static HTML (no script). Every value is escaped;
masked values arrive as *** already."""

from __future__ import annotations

from collections.abc import Sequence

from validator.core.evidence import RowEvidence
from validator.report.svg import esc


def _cell(value: str | None) -> str:
    return '<td class="empty">NULL</td>' if value is None else f"<td>{esc(value)}</td>"


def _one(item: RowEvidence) -> str:
    dialect = "GoogleSQL (BigQuery)" if item.dialect == "googlesql" else "DuckDB SQL"
    title = (f"<h4>Rows of {esc(item.feature)} "
             f"<code>{esc(item.anomaly_type)}</code></h4>")
    if item.error:
        body = f'<p class="empty">Sample not read: {esc(item.error)}</p>'
    elif not item.rows:
        body = '<p class="empty">No rows matched.</p>'
    else:
        head = "".join(f"<th>{esc(c)}</th>" for c in item.columns)
        rows = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in item.rows)
        more = " More rows match: run the query." if item.truncated else ""
        body = (f"<p>{len(item.rows)} sample row(s).{more}</p><div class=\"scroll\"><table>"
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")
    notes = []
    if item.masked:
        notes.append(f"masked: {esc(', '.join(item.masked))}")
    if item.omitted:
        notes.append(f"left out: {esc(', '.join(item.omitted))}")
    note = f'<p class="empty">{"; ".join(notes)}</p>' if notes else ""
    query = (f"<p>All of them ({dialect}):</p><pre><code>{esc(item.query)}</code></pre>"
             if item.query else "")
    return f'<div class="evidence">{title}{body}{note}{query}</div>'


def evidence_html(evidence: Sequence[RowEvidence]) -> str:
    """The evidence part of a job's findings section ("" when the run has none)."""
    if not evidence:
        return ""
    return "<h3>Row evidence</h3>" + "".join(_one(e) for e in evidence)
