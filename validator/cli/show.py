"""`dqv show RUN_ID`: one run's anomalies, a per-feature statistics summary from its
FeatureStats.pb, and how it compares with its drift baseline (and skew reference).

Reads statistics with the plain protobuf classes: no TensorFlow, so it answers at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tensorflow_metadata.proto.v0 import statistics_pb2

from validator.cli.render import finding_lines, table
from validator.core.evidence import RowEvidence
from validator.core.findings import Finding, worst_first
from validator.core.record import RunRecord
from validator.core.text import terminal_safe
from validator.errors import ConfigError
from validator.history.baselines import read_statistics
from validator.history.store import RunStore
from validator.stats.view import summarize


def feature_summary(stats: statistics_pb2.DatasetFeatureStatisticsList) -> list[dict[str, Any]]:
    """One dict per feature, from the summaries the report uses too (stats/view.py): type,
    missing fraction, and numeric or categorical summary."""
    out = []
    for name, summary in sorted(summarize(stats).features.items()):
        item: dict[str, Any] = {"feature": name, "type": summary.type}
        if summary.numeric:
            item.update(mean=summary.mean, std_dev=summary.std_dev, min=summary.minimum,
                        max=summary.maximum, zeros=summary.zeros)
        elif summary.unique is not None:
            top = summary.top_values[0] if summary.top_values else None
            item.update(unique=summary.unique, top_value=top[0] if top else None,
                        top_fraction=top[1] if top and summary.present else None)
        else:
            out.append(item)
            continue
        item["present"] = summary.present
        item["missing_fraction"] = summary.missing if summary.missing is not None else 0.0
        out.append(item)
    return out


def _load(record: RunRecord | None) -> tuple[list[dict[str, Any]] | None, str | None]:
    if record is None or not record.statistics:
        return None, None
    try:
        return feature_summary(read_statistics(record.statistics)), None
    except OSError as err:
        return None, f"statistics unavailable: {err}"


def _compare(current: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = {f["feature"]: f for f in baseline}
    rows = []
    for feature in current:
        old = before.get(feature["feature"])
        if old is None:
            rows.append({"feature": feature["feature"], "change": "new feature"})
            continue
        row: dict[str, Any] = {"feature": feature["feature"]}
        for key in ("missing_fraction", "mean", "std_dev", "unique", "top_value", "top_fraction"):
            if key in feature or key in old:
                row[key] = {"current": feature.get(key), "baseline": old.get(key)}
        rows.append(row)
    for name in sorted(set(before) - {f["feature"] for f in current}):
        rows.append({"feature": name, "change": "missing (present in the baseline)"})
    return rows


def show_data(record: RunRecord, baseline: RunRecord | None) -> dict[str, Any]:
    features, problem = _load(record)
    data: dict[str, Any] = {
        "run": {k: v for k, v in record.to_json().items()
                if k not in ("findings", "measurements", "source_details")},
        "duration_s": record.duration_s,
        "findings": [f.to_json() for f in record.findings],
        "features": features or [],
        # Schema features the job's source.columns did not select: not read, not validated.
        "not_selected": list(record.source_details.get("not_selected", [])),
    }
    if problem:
        data["statistics_error"] = problem
    if record.baseline_run_id:
        base_features, base_problem = _load(baseline)
        data["baseline"] = {
            "run_id": record.baseline_run_id, "ds": record.baseline_ds,
            "found": baseline is not None,
            "drift": [m.to_json() for m in record.measurements_of("drift")],
            "features": _compare(features or [], base_features or []) if base_features else [],
        }
        if base_problem:
            data["baseline"]["statistics_error"] = base_problem
    if record.reference_run_id or record.reference_statistics:
        data["reference"] = {
            "run_id": record.reference_run_id, "statistics": record.reference_statistics,
            "skew": [m.to_json() for m in record.measurements_of("skew")],
        }
    return data


def show_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str)


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _feature_table(features: Sequence[dict[str, Any]]) -> str:
    rows = []
    for f in features:
        if "mean" in f:
            summary = (f"mean {_num(f['mean'])}  sd {_num(f['std_dev'])}  min {_num(f['min'])}  "
                       f"max {_num(f['max'])}  zeros {f['zeros']}")
        elif "unique" in f:
            summary = (f"{f['unique']} unique, top {f['top_value']!r} "
                       f"({_pct(f.get('top_fraction'))})")
        else:
            summary = "-"
        rows.append((f["feature"], f["type"], _pct(f.get("missing_fraction")), summary))
    return table(["FEATURE", "TYPE", "MISSING", "SUMMARY"], rows, max_width=90)


def _pair(pair: dict[str, Any] | None, fmt: Any) -> str:
    return "-" if pair is None else f"{fmt(pair['current'])} / {fmt(pair['baseline'])}"


def _comparison_table(rows: Sequence[dict[str, Any]]) -> str:
    out: list[tuple[str, str, str]] = []
    for row in rows:
        if "change" in row:
            out.append((row["feature"], row["change"], ""))
            continue
        if "mean" in row:
            centre = f"mean {_pair(row['mean'], _num)}"
        elif "top_value" in row:
            centre = (f"top {_pair(row['top_value'], _num)}, "
                      f"{_pair(row.get('top_fraction'), _pct)}; unique {_pair(row.get('unique'), _num)}")
        else:
            centre = "-"
        out.append((row["feature"], _pair(row.get("missing_fraction"), _pct), centre))
    return table(["FEATURE", "MISSING (this run / baseline)", "VALUES (this run / baseline)"],
                 out, max_width=90)


def _measure_lines(measurements: Sequence[dict[str, Any]]) -> list[str]:
    return [f"  {m['feature']}: {m['kind']} {m['value']:.4f} (threshold {m['threshold']:g})"
            f"{'  EXCEEDED' if m['value'] > m['threshold'] else ''}" for m in measurements]


def _evidence_lines(evidence: Sequence[dict[str, Any]]) -> list[str]:
    """Per blocking value finding: the sample rows (masked values as ***) and the query that
    finds all of them. Escaped by show_command (terminal_safe) with the rest."""
    lines: list[str] = []
    for item in map(RowEvidence.from_json, evidence):
        dialect = item.dialect_label
        lines += ["", f"Rows of {item.feature} {item.anomaly_type}"]
        if item.error:
            lines.append(f"  not read: {item.error}")
        elif item.rows:
            more = " (more match: run the query)" if item.truncated else ""
            lines.append(f"  {len(item.rows)} sample row(s){more}")
            lines.append(table(list(item.columns), [tuple("NULL" if v is None else v for v in r)
                                                    for r in item.rows], max_width=30))
        else:
            lines.append("  no rows matched")
        if item.omitted:
            lines.append(f"  left out: {', '.join(item.omitted)}")
        if item.query:
            lines.append(f"  all of them ({dialect}):")
            lines += ["    " + line for line in item.query.splitlines()]
    return lines


def _monitor_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    """Each history monitor's verdict: observed value, band and what it was learned from."""
    if not results:
        return []
    rows = [(r["key"], r["status"].upper() if r["status"] == "fired" else r["status"],
             r.get("anomaly_type") or "", r["message"]) for r in results]
    return ["", f"Monitors ({len(results)})", table(["MONITOR", "STATUS", "ANOMALY", "DETAIL"], rows)]


def render_show(data: dict[str, Any]) -> str:
    run = data["run"]
    outcome = (run["outcome"] or "running").upper()
    lines = [f"run {run['run_id']}: {run['job']}  ds={run['ds'] or '-'}  {outcome}",
             f"  started {run['started_at']}, "
             + (f"took {data['duration_s']:.1f}s" if data["duration_s"] is not None else "not ended"),
             f"  source {run['source_uri'] or '-'}  ({run['rows']:,} rows, {run['bytes_read']:,} "
             f"bytes, engine {run['engine']}, dqv {run['dqv_version'] or '?'})"]
    if run["error"]:
        what = "not ready" if run["outcome"] == "not_ready" else "not evaluated"
        lines.append(f"  {what}: {run['error']}")
    shown = [f for f in data["findings"] if f["severity"] != "ignore"]
    lines += ["", f"Anomalies ({len(shown)})"]
    if shown:
        for finding in worst_first(Finding.from_json(f) for f in shown):
            lines += finding_lines(finding)
    else:
        lines.append("  none" if run["outcome"] in ("pass", "warn") else "  -")
    lines += _evidence_lines(run.get("evidence") or [])
    lines += _monitor_lines(run.get("monitors") or [])
    lines += ["", "Statistics"]
    if data["features"]:
        lines.append(_feature_table(data["features"]))
    else:
        lines.append(f"  {data.get('statistics_error', 'none (the run computed no statistics)')}")
    if data["not_selected"]:
        lines.append(f"  not selected (source.columns; not read, not validated): "
                     f"{', '.join(data['not_selected'])}")
    base = data.get("baseline")
    lines.append("")
    if base is None:
        lines.append("Baseline: none (no earlier passing run, or baseline policy none)")
    else:
        lines.append(f"Baseline: run {base['run_id']} (ds={base['ds']})")
        lines += _measure_lines(base["drift"])
        if base["features"]:
            lines.append(_comparison_table(base["features"]))
        elif not base["found"]:
            lines.append("  the baseline run is no longer in the run history")
        elif base.get("statistics_error"):
            lines.append(f"  {base['statistics_error']}")
    ref = data.get("reference")
    if ref is not None:
        lines += ["", f"Skew reference: {ref['run_id'] or ref['statistics']}"]
        lines += _measure_lines(ref["skew"])
    return "\n".join(lines)


def show_command(store: RunStore, run_id: str, *, as_json: bool) -> int:
    record = store.get(run_id)
    if record is None:
        raise ConfigError(f"no run '{run_id}' in the run history; list a job's runs with "
                          "`dqv history JOB --all` (and check --artifact-root)")
    baseline = store.get(record.baseline_run_id) if record.baseline_run_id else None
    data = show_data(record, baseline)
    print(show_json(data) if as_json else terminal_safe(render_show(data), keep_newlines=True))
    return 0
