"""Inline SVG charts. Pure functions returning markup; every label is escaped.

Sizes are fixed (width/height attributes), so charts render the same offline, in any browser,
without scripts. Coordinates are rounded to keep a 500-feature report small.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Callable, Sequence

from validator.core.text import terminal_safe
from validator.core.timestamps import as_date_text
from validator.report.features import FeatureComparison, common_edges, rebin, top_value_union

WIDTH = 300
LABEL_CHARS = 18


def esc(value: object) -> str:
    """HTML-escaped; control characters (ESC sequences from the data) shown as escapes."""
    return html.escape(terminal_safe(value), quote=True)


def esc_lines(value: object) -> str:
    """`esc`, keeping line breaks: for text meant to be copied as it is, e.g. a query."""
    return html.escape(terminal_safe(value, keep_newlines=True), quote=True)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def short_number(value: float | None) -> str:
    if value is None:
        return "–"
    magnitude = abs(value)
    if value == int(value) and magnitude < 1e15:
        return f"{int(value):,}"
    if magnitude >= 1e6 or magnitude < 1e-3:
        return f"{value:.6g}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(label)}">'
            f"<title>{esc(label)}</title>{''.join(body)}</svg>")


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def distribution_chart(item: FeatureComparison, as_dates: bool = False) -> str:
    """This run against its baseline: a histogram for numbers (axis labels as dates with
    `as_dates`), top-value bars for categories."""
    now, before = item.current, item.baseline
    sample = now or before
    if sample is None:
        return ""
    if sample.numeric and any(s.histogram for s in (now, before) if s):
        return _histogram(item, _date_label if as_dates else short_number)
    if sample.top_values or (before and before.top_values):
        return _top_values(item)
    return ""


def _shares(counts: list[float]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _date_label(value: float | None) -> str:
    text = as_date_text(value) if value is not None else None
    return text[:10] if text else short_number(value)


def _histogram(item: FeatureComparison, label: Callable[[float | None], str]) -> str:
    runs = [s for s in (item.current, item.baseline) if s is not None and s.histogram]
    edges = common_edges(runs)
    now = _shares(rebin(item.current.histogram, edges)) if item.current else []
    before = _shares(rebin(item.baseline.histogram, edges)) if item.baseline else []
    top = max(now + before + [1e-9])
    height, plot_h, left = 96, 70, 4
    slot = (WIDTH - 2 * left) / (len(edges) - 1)
    body = []
    for i in range(len(edges) - 1):
        x = left + i * slot
        for share, cls, offset in ((before[i] if before else None, "b", 0.0),
                                   (now[i] if now else None, "c", slot * 0.45)):
            if share is None:
                continue
            h = plot_h * share / top
            body.append(f'<rect class="{cls}" x="{_n(x + 1 + offset)}" y="{_n(6 + plot_h - h)}" '
                        f'width="{_n(slot * 0.45)}" height="{_n(h)}"/>')
    body.append(f'<line class="ax" x1="{left}" y1="{6 + plot_h}" x2="{WIDTH - left}" y2="{6 + plot_h}"/>')
    body.append(f'<text x="{left}" y="{height - 4}">{esc(label(edges[0]))}</text>')
    body.append(f'<text x="{WIDTH - left}" y="{height - 4}" text-anchor="end">'
                f"{esc(label(edges[-1]))}</text>")
    return _svg(WIDTH, height, f"distribution of {item.name}: this run against the baseline", body)


def _top_values(item: FeatureComparison) -> str:
    rows = top_value_union(item.current, item.baseline)
    row_h, label_w = 15, 120
    bar_w = WIDTH - label_w - 44
    top = max([s for _, a, b in rows for s in (a, b) if s is not None] + [1e-9])
    body = []
    for i, (value, now, before) in enumerate(rows):
        y = 4 + i * row_h
        tip = f"{value}: {_pct(now)} now, {_pct(before)} in the baseline"
        parts = [f"<title>{esc(tip)}</title>",
                 f'<text x="0" y="{y + 10}">{esc(_clip(value))}</text>']
        if before is not None:
            parts.append(f'<rect class="b" x="{label_w}" y="{y + 1}" width="{_n(bar_w * before / top)}" '
                         f'height="5"/>')
        if now is not None:
            parts.append(f'<rect class="c" x="{label_w}" y="{y + 6}" width="{_n(bar_w * now / top)}" '
                         f'height="6"/>')
        parts.append(f'<text x="{WIDTH}" y="{y + 10}" text-anchor="end">{esc(_pct(now))}</text>')
        body.append(f"<g>{''.join(parts)}</g>")
    height = 8 + row_h * max(len(rows), 1)
    return _svg(WIDTH, height, f"top values of {item.name}: this run against the baseline", body)


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


@dataclasses.dataclass(frozen=True)
class BandPoint:
    """A monitor's expected band on one ds (an open side is infinite) and whether it fired."""

    ds: str
    lower: float
    upper: float
    flagged: bool


def trend_chart(title: str, end: str, days: int, points: Sequence[tuple[str, float | None, str]],
                fmt: Callable[[float], str] = short_number,
                band: Sequence[BandPoint] = ()) -> str:
    """A value per ds over the `days` days ending at `end`; dots coloured by the run's outcome,
    gaps where a day has no value. With `band`: the monitor's expected band shaded between its
    lower and upper edge over time, and the days it fired ringed (class `flagged`)."""
    height, left, right, top_pad, plot_h = 96, 6, 6, 28, 48
    last = dt.date.fromisoformat(end)
    first = last - dt.timedelta(days=days - 1)
    values = [v for _, v, _ in points if v is not None]
    edges = [e for b in band for e in (b.lower, b.upper) if math.isfinite(e)]
    lo, hi = (min(values + edges), max(values + edges)) if values or edges else (0.0, 1.0)
    if hi == lo:
        lo, hi = (lo - 1, hi + 1) if lo else (0.0, 1.0)
    span_x = WIDTH - left - right

    def x_of(ds: str) -> float:
        day = (dt.date.fromisoformat(ds) - first).days
        return left + span_x * day / max(days - 1, 1)

    def y_of(value: float) -> float:
        clipped = min(max(value, lo), hi)  # an open side of the band runs to the chart's edge
        return top_pad + plot_h * (1 - (clipped - lo) / (hi - lo))

    latest = fmt(values[-1]) if values else "no data"
    body = [f'<text x="0" y="11" class="t">{esc(title)}</text>',
            f'<text x="{WIDTH}" y="11" text-anchor="end">{esc(latest)}</text>']
    body += _band(band, first, x_of, y_of, fmt)
    body.append(f'<line class="ax" x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" '
                f'y2="{top_pad + plot_h}"/>')
    segment: list[str] = []
    segments = []
    for ds, value, _ in points:
        if value is None:
            segments.append(segment)
            segment = []
            continue
        segment.append(f"{_n(x_of(ds))},{_n(y_of(value))}")
    segments.append(segment)
    body += [f'<polyline class="l" points="{" ".join(s)}"/>' for s in segments if len(s) > 1]
    fired = {b.ds for b in band if b.flagged}
    for ds, value, outcome in points:
        if value is not None:
            x, y = x_of(ds), y_of(value)
            note = "; out of the expected band" if ds in fired else ""
            body.append(f'<circle class="o-{esc(outcome)}" cx="{_n(x)}" cy="{_n(y)}" r="2.6">'
                        f"<title>{esc(ds)}: {esc(fmt(value))} ({esc(outcome)}){esc(note)}</title>"
                        "</circle>")
            if ds in fired:
                body.append(f'<circle class="flagged" data-ds="{esc(ds)}" cx="{_n(x)}" '
                            f'cy="{_n(y)}" r="5"><title>{esc(ds)}: flagged by the monitor'
                            "</title></circle>")
    body.append(f'<text x="{left}" y="{height - 4}">{esc(first.isoformat())}</text>')
    body.append(f'<text x="{WIDTH - right}" y="{height - 4}" text-anchor="end">{esc(end)}</text>')
    highest = fmt(max(values)) if values else "–"
    body.append(f'<text x="{left}" y="{top_pad - 4}" class="s">max {esc(highest)}</text>')
    return _svg(WIDTH, height, f"{title}, {first.isoformat()} to {end}", body)


def _band(band: Sequence[BandPoint], first: dt.date, x_of: Callable[[str], float],
          y_of: Callable[[float], float], fmt: Callable[[float], str]) -> list[str]:
    """One shaded polygon per run of consecutive days with a band (upper edge left to right,
    then the lower edge back); a lone day is a short vertical bar."""
    out: list[str] = []
    runs: list[list[BandPoint]] = []
    previous: dt.date | None = None
    for point in sorted(band, key=lambda b: b.ds):
        day = dt.date.fromisoformat(point.ds)
        if day < first:
            continue
        if previous is None or (day - previous).days > 1:
            runs.append([])
        runs[-1].append(point)
        previous = day
    for run in runs:
        xs = [x_of(p.ds) for p in run]
        if len(run) == 1:
            xs = [xs[0] - 2, xs[0] + 2]
            run = run * 2
        upper = [f"{_n(x)},{_n(y_of(p.upper))}" for x, p in zip(xs, run, strict=True)]
        lower = [f"{_n(x)},{_n(y_of(p.lower))}" for x, p in reversed(list(zip(xs, run, strict=True)))]
        last = run[-1]
        tip = f"expected band on {last.ds}: {fmt(last.lower) if math.isfinite(last.lower) else '-∞'}" \
              f" to {fmt(last.upper) if math.isfinite(last.upper) else '∞'}"
        out.append(f'<polygon class="band" points="{" ".join(upper + lower)}">'
                   f"<title>{esc(tip)}</title></polygon>")
    return out
