"""Sections of a job's part of the report: checks (expected vs observed), row evidence and
quantiles; and how a feature's values are written (dates for timestamps). Pure: data in,
markup out, every value from data or configuration escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from validator.core.evidence import RowEvidence
from validator.core.timestamps import as_date_text
from validator.report.checks import Check, build_checks
from validator.report.data import JobReport
from validator.report.features import FeatureComparison, FeatureSummary
from validator.report.svg import esc, esc_lines, short_number

# Percentiles shown when the quantiles histogram is fine enough; TFDV's default 10 buckets
# give the deciles, all shown.
WANTED_PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
MAX_ALL_BOUNDS = 21  # up to 20 buckets every boundary is shown


def value_text(is_time: bool, value: float | None) -> str:
    """A feature's value as the report writes it: a date for timestamps, else short_number."""
    if value is None:
        return "–"
    if is_time:
        date = as_date_text(value)
        if date is not None:
            return date
    return short_number(value)


def numbers_of(job: JobReport) -> Callable[[str, float | None], str]:
    """(feature, value) -> text, with dates for the job's timestamp features."""
    times = {f.name for f in job.features if f.kind == "timestamp"}
    return lambda name, value: value_text(name in times, value)


def checks_section(job: JobReport) -> str:
    checks = build_checks(job.schema, job.record, job.summary, numbers_of(job))
    note = f'<p class="meta">Schema not read: {esc(job.schema_note)}</p>' if job.schema_note else ""
    if not checks:
        return f'<section class="checks"><h3>Checks</h3>{note}<p class="empty">No constraints.</p></section>'
    failed = sum(c.status == "fail" for c in checks)
    ordered = sorted(checks, key=lambda c: c.status != "fail")  # failures first, else schema order
    rows = "".join(_check_row(c) for c in ordered)
    head = ("<tr><th>subject</th><th>check</th><th>expected</th><th>observed</th>"
            "<th>result</th></tr>")
    summary = f"{len(checks)} checks, {failed} failed (listed first)"
    return (f'<section class="checks"><h3>Checks</h3><p class="meta">{esc(summary)}. Each '
            "constraint of the job's schema and each monitor, against this run.</p>"
            f'{note}<table class="checks"><thead>{head}</thead><tbody>{rows}</tbody></table>'
            "</section>")


def _check_row(check: Check) -> str:
    """One row; its class c-<status> (c-pass, c-fail, c-not-evaluated, ...) colours the
    result. Kept short: a report holds a row per constraint of every job."""
    status = check.status + (f" ({check.severity})" if check.severity else "")
    return (f'<tr class="c-{esc(check.status.replace(" ", "-"))}"><td>{esc(check.subject)}</td>'
            f"<td>{esc(check.constraint)}</td><td>{esc(check.expected)}</td>"
            f"<td>{esc(check.observed)}</td><td>{esc(status)}</td></tr>")


def evidence_section(evidence: Sequence[RowEvidence]) -> str:
    """The sample rows behind each blocking value finding and the query that finds all of
    them (core/evidence.py); nothing when the run has none."""
    if not evidence:
        return ""
    parts = []
    for item in evidence:
        head = "".join(f"<th>{esc(c)}</th>" for c in item.columns)
        body = "".join("<tr>" + "".join(f"<td>{esc('NULL' if v is None else v)}</td>" for v in row)
                       + "</tr>" for row in item.rows)
        notes = []
        if item.truncated:
            notes.append(f"{len(item.rows)} sample row(s); more rows match (run the query)")
        if item.masked:
            notes.append("masked: " + ", ".join(item.masked))
        if item.omitted:
            notes.append("left out: " + ", ".join(item.omitted))
        if item.error:
            notes.append(f"no sample: {item.error}")
        table = (f'<table class="sample"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                 if item.columns and item.rows else '<p class="empty">No sample rows.</p>')
        parts.append(
            f'<div class="evidence-item" data-feature="{esc(item.feature)}" '
            f'data-anomaly="{esc(item.anomaly_type)}"><h4>{esc(item.feature)} '
            f"<code>{esc(item.anomaly_type)}</code></h4>"
            + (f'<p class="meta">{esc("; ".join(notes))}</p>' if notes else "")
            + table + f'<p class="meta">All of them ({esc(item.dialect_label)}):</p>'
            f'<pre class="query">{esc_lines(item.query)}</pre></div>')
    return f'<section class="evidence"><h3>Row evidence</h3>{"".join(parts)}</section>'


def percentile_bounds(quantiles: Sequence[float]) -> list[tuple[str, float]]:
    """(label, value) of the quantiles histogram's boundaries: every one for up to 20 buckets
    (min, p10, ..., p90, max for TFDV's 10), else the usual percentiles that fall on one."""
    buckets = len(quantiles) - 1
    if buckets < 1:
        return []
    labelled = []
    for i, value in enumerate(quantiles):
        share = 100 * i / buckets
        label = "min" if i == 0 else "max" if i == buckets else f"p{share:g}"
        if buckets + 1 <= MAX_ALL_BOUNDS or i in (0, buckets) or \
                any(abs(share - p) < 1e-9 for p in WANTED_PERCENTILES):
            labelled.append((label, value))
    return labelled


def quantiles_section(features: Sequence[FeatureComparison]) -> str:
    rows = []
    for item in features:
        now: FeatureSummary | None = item.current
        if now is None or not now.numeric or not now.quantiles:
            continue
        bounds = percentile_bounds(now.quantiles)
        is_time = item.kind == "timestamp"
        cells = "".join(f"<td>{esc(value_text(is_time, value))}</td>" for _, value in bounds)
        rows.append((bounds, f'<tr data-feature="{esc(item.name)}"><td>{esc(item.name)}</td>{cells}</tr>'))
    if not rows:
        return ""
    labels = max((b for b, _ in rows), key=len)
    head = "<th>feature</th>" + "".join(f"<th>{esc(label)}</th>" for label, _ in labels)
    return (f'<section class="quantiles"><h3>Quantiles</h3><p class="meta">From the statistics\' '
            "quantiles histogram (equal-mass buckets).</p><table class=\"quantiles\"><thead>"
            f"<tr>{head}</tr></thead><tbody>{''.join(r for _, r in rows)}</tbody></table></section>")
