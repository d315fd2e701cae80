"""The 30-day trend charts of a job: rows (with the volume monitor's band), the mean missing
ratio, the largest drift distance, and one chart per column metric monitor (with its band).
Pure: data in, markup out."""

from __future__ import annotations

from validator.core.monitors import VOLUME
from validator.report.data import TREND_DAYS, JobReport, TrendPoint
from validator.report.svg import BandPoint, short_number, trend_chart


def band_points(trend: list[TrendPoint], key: str) -> list[BandPoint]:
    """The band monitor `key` learned on each ds it judged, and whether it fired there."""
    out = []
    for point in trend:
        result = point.monitors.get(key)
        if result is not None and result.band is not None:
            out.append(BandPoint(point.ds, result.band.lower, result.band.upper, result.fired))
    return out


def _metric_keys(trend: list[TrendPoint]) -> list[str]:
    keys = {k for p in trend for k, r in p.monitors.items() if k.startswith("metric:") and r.band}
    return sorted(keys)


def trends_section(job: JobReport) -> str:
    if not job.trend or not job.record.ds:
        return ""
    end, trend = job.record.ds, job.trend
    charts = [
        trend_chart("rows", end, TREND_DAYS, [(p.ds, p.rows, p.outcome) for p in trend],
                    band=band_points(trend, VOLUME)),
        trend_chart("missing ratio (mean over features)", end, TREND_DAYS,
                    [(p.ds, p.missing, p.outcome) for p in trend], fmt=lambda v: f"{v:.2%}"),
        trend_chart("largest drift distance", end, TREND_DAYS,
                    [(p.ds, p.drift, p.outcome) for p in trend]),
    ]
    for key in _metric_keys(trend):
        _, feature, metric = key.split(":", 2)
        values = []
        for p in trend:
            result = p.monitors.get(key)
            values.append((p.ds, result.observed if result else None, p.outcome))
        charts.append(trend_chart(f"{metric} of {feature}", end, TREND_DAYS, values,
                                  fmt=short_number, band=band_points(trend, key)))
    legend = ""
    if any(p.monitors for p in trend):
        legend = ('<p class="meta legend">Shaded: the band a monitor expected that day '
                  "(docs/monitors.md); ringed: a day it flagged.</p>")
    return (f"<h3>Last {TREND_DAYS} days</h3>{legend}"
            f"<div class=\"grid\">{''.join(charts)}</div>")
