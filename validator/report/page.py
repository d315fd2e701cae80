"""The report as one self-contained HTML page. Pure: data in, markup out.

No scripts, fonts, images or style sheets are loaded: styles are inline and charts are inline
SVG, so the page opens offline from disk. The Content-Security-Policy forbids everything else,
a second line of defence behind escaping every value that comes from data or configuration.
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Callable, Sequence

from validator.core.finding_text import describe
from validator.core.findings import Finding, worst_first
from validator.core.record import RunRecord
from validator.report.data import DayReport, JobReport, waivers
from validator.report.features import FeatureComparison, FeatureSummary
from validator.report.svg import distribution_chart, esc, short_number, trend_chart

CSP = "default-src 'none'; style-src 'unsafe-inline'"
OUTCOME_LABEL = {"block": "BLOCK", "not_evaluated": "NOT EVALUATED", "warn": "WARN", "pass": "PASS",
                 "not_ready": "NOT READY"}

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 48px;color:#1d2430}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:18px;margin:0 0 4px}h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{padding:3px 8px;border-bottom:1px solid #dde1e7;
text-align:left;vertical-align:top}th{background:#f1f3f6;font-weight:600}td.n{text-align:right;white-space:nowrap}
.job{border-top:3px solid #c9ced6;margin-top:28px;padding-top:12px}.meta{color:#555;margin:2px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;font-weight:700;color:#fff}
.block{background:#c62828}.not_evaluated{background:#6a1b9a}.not_ready{background:#546e7a}.warn{background:#e08a00}.pass{background:#2e7d32}
.chg{background:#fff3c4}.chg small{display:block;color:#6b5500}
tr.flag td:first-child{border-left:4px solid #c62828}
.sev-error{color:#c62828;font-weight:700}.sev-warning{color:#a86400;font-weight:700}.sev-ignore{color:#777}
.grid{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;padding:6px;border:1px solid #e3e6ea;border-radius:4px}
figcaption{font-size:12px;font-weight:600;max-width:300px;overflow-wrap:anywhere}
svg text{font:10px system-ui,sans-serif;fill:#333}svg text.t{font-weight:600;font-size:11px}svg .s{fill:#777}
svg .c{fill:#1f5fbf}svg .b{fill:#b8c4d6}svg .ax{stroke:#999}svg .l{fill:none;stroke:#1f5fbf;stroke-width:1.5}
svg .o-pass{fill:#2e7d32}svg .o-warn{fill:#e08a00}svg .o-block{fill:#c62828}svg .o-not_evaluated{fill:#6a1b9a}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.empty{color:#777;font-style:italic}
code{font-size:12px;overflow-wrap:anywhere}
"""


def file_link(record: RunRecord, kind: str, path: str) -> str:
    """A link to a run's artifact (`kind`: statistics, anomalies or run): a file:// URI on
    local disk, the gs:// URI itself otherwise."""
    from validator.history.artifact_fs import is_remote, uri

    return uri(path) if is_remote(path) else pathlib.Path(path).resolve().as_uri()


@dataclasses.dataclass(frozen=True)
class PageOptions:
    """How the page links to artifacts: file URIs for a file on disk; `dqv serve` links to
    its own /reports/artifacts/ URLs."""

    link: Callable[[RunRecord, str, str], str] = file_link
    note: str = ""  # a line under the title, e.g. where the report is served


def render_page(report: DayReport, options: PageOptions = PageOptions()) -> str:
    which = "ds" if report.by == "ds" else "runs started on"
    title = f"dqv data-quality report, {which} {report.date}"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{esc(title)}</h1>",
             f'<p class="meta">Generated {esc(report.generated_at)}. {_counts(report)}'
             f"{(' ' + esc(options.note)) if options.note else ''}</p>",
             _overview(report)]
    parts += [_job_section(i, job, options) for i, job in enumerate(report.jobs)]
    parts.append("</body></html>")
    return "\n".join(parts)


def _counts(report: DayReport) -> str:
    counts = report.counts()
    shown = [f"{n} {OUTCOME_LABEL[o.value].lower()}" for o, n in counts.items() if n]
    return esc(f"{len(report.jobs)} job run(s): {', '.join(shown) or 'none'}.")


def _badge(outcome: str) -> str:
    return f'<span class="badge {esc(outcome)}">{esc(OUTCOME_LABEL.get(outcome, outcome))}</span>'


def _overview(report: DayReport) -> str:
    if not report.jobs:
        return (f'<section id="overview"><p class="empty">No job has a finished run for '
                f"{esc(report.date)}.</p></section>")
    head = ("<tr><th>job</th><th>ds</th><th>outcome</th><th>rows</th><th>errors</th>"
            "<th>warnings</th><th>waivers in force</th><th>run started (UTC)</th></tr>")
    rows = []
    for i, job in enumerate(report.jobs):
        r = job.record
        rows.append(
            f'<tr data-job="{esc(job.info.name)}" data-outcome="{esc(job.outcome.value)}">'
            f'<td><a href="#job-{i}">{esc(job.info.name)}</a></td><td>{esc(r.ds or "–")}</td>'
            f"<td>{_badge(job.outcome.value)}</td><td class=\"n\">{esc(_rows(job))}</td>"
            f'<td class="n">{job.record.counts.errors}</td><td class="n">{job.record.counts.warnings}</td>'
            f'<td class="n">{len(waivers(r))}</td><td>{esc(r.started_at[:19].replace("T", " "))}</td></tr>')
    return (f'<section id="overview"><h2>Overview</h2><table class="overview"><thead>{head}</thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _rows(job: JobReport) -> str:
    return "–" if job.outcome.value in ("not_evaluated", "not_ready") else f"{job.record.rows:,}"


def _job_section(index: int, job: JobReport, options: PageOptions) -> str:
    r = job.record
    out = [f'<section class="job" id="job-{index}" data-job="{esc(job.info.name)}">',
           f"<h2>{esc(job.info.name)} {_badge(job.outcome.value)}</h2>"]
    if job.info.description:
        out.append(f'<p class="meta">{esc(job.info.description)}</p>')
    out.append(f'<p class="meta">{_meta(job, options)}</p>')
    if r.error:
        out.append(f"<p><strong>Not evaluated:</strong> {esc(r.error)}</p>")
    out.append(_waivers(job))
    out.append(_anomalies(job))
    out.append(_trends(job))
    out.append(_feature_table(job))
    out.append(_distributions(job))
    out.append("</section>")
    return "\n".join(x for x in out if x)


def _meta(job: JobReport, options: PageOptions) -> str:
    r = job.record
    items = [f"ds <b>{esc(r.ds or '–')}</b>", f"run <code>{esc(r.run_id)}</code>"]
    if job.info.owner:
        items.append(f"owner {esc(job.info.owner)}")
    if r.baseline_run_id:
        items.append(f"baseline ds {esc(r.baseline_ds or '–')} (run <code>{esc(r.baseline_run_id)}</code>)")
    else:
        items.append("no baseline run")
    if r.source_uri:
        items.append(f"source <code>{esc(r.source_uri)}</code>")
    run_file = f"{r.artifact_dir}/run.json" if r.artifact_dir else None
    for label, kind, path in (("statistics", "statistics", r.statistics),
                              ("anomalies", "anomalies", r.anomalies), ("run record", "run", run_file)):
        if path:
            items.append(f'<a href="{esc(options.link(r, kind, path))}">{label}</a>')
    base = job.baseline
    if base and base.statistics:
        link = options.link(base, "statistics", base.statistics)
        items.append(f'<a href="{esc(link)}">baseline statistics</a>')
    return " · ".join(items)


def _waivers(job: JobReport) -> str:
    items = waivers(job.record)
    if not items:
        return ""
    lines = [f"<li><b>{esc(w['feature'])}</b> <code>{esc(w['anomaly'])}</code>: waived until "
             f"{esc(w['until'])} by {esc(w['owner'])}: {esc(w['reason'])}</li>" for w in items]
    return f"<h3>Waivers in force</h3><ul>{''.join(lines)}</ul>"


def _anomalies(job: JobReport) -> str:
    findings = worst_first(job.record.findings, include_ignored=True)
    if not findings:
        return "" if job.record.error else '<h3>Anomalies</h3><p class="empty">No anomalies.</p>'
    rows = []
    for f in findings:
        measured = ""
        if f.value is not None:
            measured = f"{short_number(f.value)} (threshold {short_number(f.threshold)})"
        sev = f.severity.value
        if f.waiver:
            state = "expired" if f.waiver.expired else "waived"
            sev += f" ({state} until {f.waiver.until}, was {f.waiver.waived_severity.value})"
        rows.append(f"<tr><td>{esc(f.feature)}</td>"
                    f"<td><code>{esc(f.anomaly_type)}</code></td>"
                    f'<td class="sev-{esc(f.severity.value)}">{esc(sev)}</td>'
                    f"<td>{_described(f)}</td><td class=\"n\">{esc(measured)}</td></tr>")
    return ("<h3>Anomalies</h3><table><thead><tr><th>feature</th><th>anomaly</th><th>severity</th>"
            f"<th>description</th><th>measured</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _described(finding: Finding) -> str:
    """The finding in the one renderer's words (core/finding_text.py), HTML-escaped."""
    text = describe(finding)
    parts = "".join(f"<br>{esc(label)}: {esc(value)}" for label, value in text.parts())
    return f"<b>{esc(text.headline)}</b>{parts}"


def _trends(job: JobReport) -> str:
    if not job.trend or not job.record.ds:
        return ""
    from validator.report.data import TREND_DAYS

    end = job.record.ds
    charts = [
        trend_chart("rows", end, TREND_DAYS, [(p.ds, p.rows, p.outcome) for p in job.trend]),
        trend_chart("missing ratio (mean over features)", end, TREND_DAYS,
                    [(p.ds, p.missing, p.outcome) for p in job.trend], fmt=lambda v: f"{v:.2%}"),
        trend_chart("largest drift distance", end, TREND_DAYS,
                    [(p.ds, p.drift, p.outcome) for p in job.trend]),
    ]
    return f"<h3>Last {TREND_DAYS} days</h3><div class=\"grid\">{''.join(charts)}</div>"


def _drift_by_feature(job: JobReport) -> dict[str, str]:
    out = {}
    for m in job.record.measurements_of("drift"):
        out[m.feature] = f"{short_number(m.value)} / {short_number(m.threshold)}"
    return out


def _feature_table(job: JobReport) -> str:
    if not job.features:
        # A run that was not evaluated already says why; do not repeat it.
        note = job.stats_note if not job.record.error else ""
        return f'<h3>Features</h3><p class="empty">{esc(note)}</p>' if note else ""
    flagged = {f.feature for f in job.record.reported}
    drift = _drift_by_feature(job)
    rows = [_feature_row(item, item.name in flagged, drift.get(item.name, "")) for item in job.features]
    legend = ("Highlighted cells changed notably since the baseline run; the baseline value is "
              "shown below. Rows marked red have an anomaly.")
    return (f'<h3>Features</h3><p class="meta">{legend}</p><table class="features">'
            "<thead><tr><th>feature</th><th>type</th><th>missing</th><th>min</th><th>mean</th>"
            "<th>max</th><th>top values</th>"
            "<th>unique</th><th>drift / threshold</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _cell(now: str, before: str | None, changed: bool, numeric: bool = True) -> str:
    cls = ["n"] if numeric else []
    if changed:
        cls.append("chg")
    attr = f' class="{" ".join(cls)}"' if cls else ""
    was = f"<small>was {esc(before)}</small>" if changed and before is not None else ""
    return f"<td{attr}>{esc(now)}{was}</td>"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _top(summary: FeatureSummary | None) -> str:
    if summary is None or not summary.top_values:
        return ""
    return ", ".join(f"{v} {s:.0%}" if s >= 0.01 else f"{v} {s:.1%}" for v, s in summary.top_values[:3])


def _feature_row(item: FeatureComparison, flagged: bool, drift: str) -> str:
    now, before, changes = item.current, item.baseline, item.changes
    cls = ' class="flag"' if flagged else ""
    if now is None:
        was = before.type if before else "?"
        return (f"<tr{cls}><td>{esc(item.name)}</td>"
                f'<td class="chg" colspan="8">absent from this run (was {esc(was)})</td></tr>')

    def field(name: str, fmt: Callable[[FeatureSummary], str]) -> str:
        return _cell(fmt(now), fmt(before) if before else None, name in changes)

    presence = "presence" in changes
    name_cell = f'<td class="chg">{esc(item.name)}<small>new</small></td>' if presence \
        else f"<td>{esc(item.name)}</td>"
    return (f"<tr{cls}>{name_cell}"
            + _cell(now.type, before.type if before else None, "type" in changes, numeric=False)
            + field("missing", lambda s: _pct(s.missing))
            + field("min", lambda s: short_number(s.minimum))
            + field("mean", lambda s: short_number(s.mean))
            + field("max", lambda s: short_number(s.maximum))
            + f"<td>{esc(_top(now))}</td>"
            + field("unique", lambda s: "–" if s.unique is None else f"{s.unique:,}")
            + f'<td class="n">{esc(drift)}</td></tr>')


def _distributions(job: JobReport) -> str:
    figures = []
    for item in job.features:
        chart = distribution_chart(item)
        if chart:
            figures.append(f"<figure><figcaption>{esc(item.name)}</figcaption>{chart}</figure>")
    if not figures:
        return ""
    legend = ('<p class="meta legend">This run <span style="background:#1f5fbf"></span> against the '
              'baseline run <span style="background:#b8c4d6"></span> (share of values).</p>')
    return f"<h3>Distributions</h3>{legend}<div class=\"grid\">{''.join(figures)}</div>"


def render_index(dates: Sequence[str], link: Callable[[str], str]) -> str:
    """A list of the days with reports, for `dqv serve`."""
    items = "".join(f'<li><a href="{esc(link(d))}">{esc(d)}</a></li>' for d in dates)
    body = f"<ul>{items}</ul>" if dates else '<p class="empty">No runs yet.</p>'
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f"<title>dqv reports</title><style>{STYLE}</style></head><body>"
            f"<h1>dqv data-quality reports</h1>{body}</body></html>")
