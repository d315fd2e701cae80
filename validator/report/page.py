"""The report as one self-contained HTML page. Pure: data in, markup out.

No scripts, fonts, images or style sheets are loaded: styles are inline and charts are inline
SVG, so the page opens offline from disk. The Content-Security-Policy forbids everything else,
a second line of defence behind escaping every value that comes from data or configuration.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import urllib.parse
from collections.abc import Callable, Sequence

from validator.core.finding_text import describe
from validator.core.findings import Finding, worst_first
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.report.data import OUTCOME_RANK, DayReport, JobReport, waivers
from validator.report.features import FeatureComparison, FeatureSummary
from validator.report.sections import checks_section, evidence_section, quantiles_section, value_text
from validator.report.svg import distribution_chart, esc, short_number
from validator.report.trends import trends_section

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
tr.c-pass td:last-child{color:#2e7d32;font-weight:600}tr.c-fail td:last-child{color:#c62828;font-weight:700}
.kind{display:inline-block;margin-left:6px;padding:0 5px;border-radius:6px;font-size:11px;
background:#e8eaf0;color:#444}
pre.query{background:#f6f7f9;border:1px solid #e3e6ea;padding:6px;white-space:pre-wrap;
overflow-wrap:anywhere;font-size:12px}
svg .band{fill:#1f5fbf;fill-opacity:.14;stroke:none}svg .flagged{fill:none;stroke:#c62828;stroke-width:1.6}
table.quantiles td{font-size:12px;text-align:right;white-space:nowrap}
ul.days li{margin:3px 0}ul.days .badge{margin-left:4px}
"""


ARTIFACT_LABELS = (("statistics", "statistics (FeatureStats.pb)"),
                   ("summary", "statistics summary (JSON)"),
                   ("anomalies", "anomalies (pbtxt)"), ("findings", "anomalies (text)"),
                   ("run", "run record (JSON)"))
Linker = Callable[[RunRecord, str, str], str]


def relative_links(base: pathlib.Path, files: pathlib.Path | None = None) -> Linker:
    """Links for a report file in the folder `base`: a local artifact as a path relative to
    `base` (the report and the run history can move together), a gs:// artifact as its URI.
    `files`: where the readable copies (`summary`, `findings`) are written for each run."""
    from validator.history.artifact_fs import is_remote, uri

    def link(record: RunRecord, kind: str, path: str) -> str:
        if kind in ("summary", "findings"):
            if files is None:
                return ""
            path = str(readable_artifact(files, record, kind))
        elif is_remote(path):
            return uri(path)
        target = os.path.relpath(pathlib.Path(path).resolve(), base.resolve())
        return urllib.parse.quote(pathlib.PurePath(target).as_posix())

    return link


def readable_artifact(files: pathlib.Path, record: RunRecord, kind: str) -> pathlib.Path:
    """Where a report file keeps the readable copy `kind` (summary, findings) of one run."""
    name = "statistics-summary.json" if kind == "summary" else "anomalies.txt"
    return files / record.run_id / name


@dataclasses.dataclass(frozen=True)
class PageOptions:
    """How the page links to artifacts: relative paths for a file on disk (relative to the
    current directory unless told: `relative_links`); `dqv serve` links to its own
    /reports/artifacts/ URLs. A link function returning "" leaves that link out."""

    link: Linker = dataclasses.field(default_factory=lambda: relative_links(pathlib.Path.cwd()))
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
    out.append(evidence_section(r.evidence))  # the failing rows first, then every check
    out.append(checks_section(job))
    out.append(trends_section(job))
    out.append(_feature_table(job))
    out.append(quantiles_section(job.features))
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
    paths = {"statistics": r.statistics, "summary": "" if job.summary is not None else None,
             "anomalies": r.anomalies, "findings": "" if r.anomalies or r.findings else None,
             "run": run_file}
    for kind, label in ARTIFACT_LABELS:
        path = paths[kind]
        link = options.link(r, kind, path) if path is not None else ""
        if link:
            items.append(f'<a data-artifact="{kind}" href="{esc(link)}">{esc(label)}</a>')
    base = job.baseline
    if base and base.statistics:
        link = options.link(base, "statistics", base.statistics)
        items.append(f'<a data-artifact="baseline" href="{esc(link)}">baseline statistics</a>')
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


KIND_LABEL = {"partition": "partition column", "id": "ID-like", "timestamp": "timestamp"}


def _described(finding: Finding) -> str:
    """The finding in the one renderer's words (core/finding_text.py), HTML-escaped."""
    text = describe(finding)
    parts = "".join(f"<br>{esc(label)}: {esc(value)}" for label, value in text.parts())
    return f"<b>{esc(text.headline)}</b>{parts}"


def _drift_by_feature(job: JobReport) -> dict[str, str]:
    """The drift cell per feature: distance / threshold; "not configured" for features the
    schema gives no drift comparator; "no baseline" when one is configured but nothing was
    compared."""
    out = {}
    configured: set[str] | None = None
    if job.schema is not None:
        configured = {f.name for f in job.schema.feature if f.HasField("drift_comparator")}
        for f in job.features:
            if f.name not in configured:
                out[f.name] = "not configured"
            elif not job.record.baseline_run_id:
                out[f.name] = "no baseline"
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
    legend = ("Highlighted cells changed notably since the baseline run (docs/report.md, \"What "
              "is highlighted\"); the baseline value is shown below. The partition column, "
              "ID-like features and timestamps are not highlighted for moving. Rows marked red "
              "have an anomaly. Timestamps are shown as UTC dates.")
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


def _top(item: FeatureComparison) -> str:
    summary = item.current
    if summary is None:
        return ""
    if item.kind == "id":
        return f"ID-like: {summary.unique:,} distinct" if summary.unique is not None else "ID-like"
    if not summary.top_values:
        return ""
    return ", ".join(f"{v} {s:.0%}" if s >= 0.01 else f"{v} {s:.1%}" for v, s in summary.top_values[:3])


def _feature_row(item: FeatureComparison, flagged: bool, drift: str) -> str:
    now, before, changes = item.current, item.baseline, item.changes
    cls = ' class="flag"' if flagged else ""
    attrs = f' data-feature="{esc(item.name)}" data-kind="{esc(item.kind)}"'
    kind = f'<span class="kind">{esc(KIND_LABEL[item.kind])}</span>' if item.kind else ""
    if now is None:
        was = before.type if before else "?"
        absent_cls = "chg" if "presence" in changes else ""
        return (f"<tr{cls}{attrs}><td>{esc(item.name)}{kind}</td>"
                f'<td class="{absent_cls}" colspan="8">absent from this run (was {esc(was)})</td></tr>')
    is_time = item.kind == "timestamp"

    def field(name: str, fmt: Callable[[FeatureSummary], str]) -> str:
        return _cell(fmt(now), fmt(before) if before else None, name in changes)

    def value(get: Callable[[FeatureSummary], float | None]) -> Callable[[FeatureSummary], str]:
        return lambda s: value_text(is_time, get(s))

    presence = "presence" in changes
    name_cell = f'<td class="chg">{esc(item.name)}{kind}<small>new</small></td>' if presence \
        else f"<td>{esc(item.name)}{kind}</td>"
    drift_cls = "n empty" if drift in ("not configured", "no baseline") else "n"
    return (f"<tr{cls}{attrs}>{name_cell}"
            + _cell(now.type, before.type if before else None, "type" in changes, numeric=False)
            + field("missing", lambda s: _pct(s.missing))
            + field("min", value(lambda s: s.minimum))
            + field("mean", value(lambda s: s.mean))
            + field("max", value(lambda s: s.maximum))
            + f"<td>{esc(_top(item))}</td>"
            + field("unique", lambda s: "–" if s.unique is None else f"{s.unique:,}")
            + f'<td class="{drift_cls}">{esc(drift)}</td></tr>')


def _distributions(job: JobReport) -> str:
    figures = []
    for item in job.features:
        if item.kind == "id":
            # Near-unique values make a top-10 chart of 0.05% bars: say how many there are.
            now = item.current
            distinct = f"{now.unique:,} distinct values" if now and now.unique is not None \
                else "distinct count unknown"
            figures.append(f'<figure class="id-like"><figcaption>{esc(item.name)}</figcaption>'
                           f'<p class="meta">ID-like: {esc(distinct)}; no top-values chart.</p>'
                           "</figure>")
            continue
        chart = distribution_chart(item, as_dates=item.kind == "timestamp")
        if chart:
            figures.append(f"<figure><figcaption>{esc(item.name)}</figcaption>{chart}</figure>")
    if not figures:
        return ""
    legend = ('<p class="meta legend">This run <span style="background:#1f5fbf"></span> against the '
              'baseline run <span style="background:#b8c4d6"></span> (share of values).</p>')
    return f"<h3>Distributions</h3>{legend}<div class=\"grid\">{''.join(figures)}</div>"


def _day_outcomes(outcomes: dict[str, Outcome]) -> str:
    counts: dict[Outcome, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    order = sorted(counts, key=lambda o: OUTCOME_RANK[o])  # worst first, as in the overview
    badges = "".join(f'<span class="badge {esc(o.value)}" data-outcome="{esc(o.value)}" '
                     f'title="{esc(", ".join(sorted(j for j, x in outcomes.items() if x is o)))}">'
                     f"{counts[o]} {esc(OUTCOME_LABEL[o.value])}</span>" for o in order)
    jobs = ", ".join(f"{j}: {OUTCOME_LABEL[o.value].lower()}" for j, o in sorted(outcomes.items()))
    return f'{badges} <span class="meta">{esc(jobs)}</span>'


def render_index(days: Sequence[tuple[str, dict[str, Outcome]]], link: Callable[[str], str]) -> str:
    """The days with reports, newest first, each with its jobs' outcomes, for `dqv serve`."""
    items = "".join(f'<li data-date="{esc(d)}"><a href="{esc(link(d))}">{esc(d)}</a> '
                    f"{_day_outcomes(outcomes)}</li>" for d, outcomes in days)
    body = f'<ul class="days">{items}</ul>' if days else '<p class="empty">No runs yet.</p>'
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f"<title>dqv reports</title><style>{STYLE}</style></head><body>"
            f"<h1>dqv data-quality reports</h1>{body}</body></html>")
