"""Readable copies of a run's artifacts, next to the report that links to them: the
statistics as a JSON summary (what the report shows of FeatureStats.pb, per feature) and the
anomalies as text (each finding in the one renderer's words, then TFDV's anomalies.pbtxt).
`dqv serve` serves the same texts at /reports/artifacts/RUN_ID/summary and /findings."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

from validator.core.finding_text import sentence
from validator.core.findings import worst_first
from validator.core.record import RunRecord
from validator.errors import DataError
from validator.report.data import DayReport
from validator.report.features import FeatureComparison
from validator.stats.view import DatasetSummary


def summary_json(record: RunRecord, summary: DatasetSummary,
                 features: list[FeatureComparison] | None = None) -> str:
    """The statistics summary of one run as JSON text: per feature type, missing ratio,
    present count, min/mean/max/std dev, quantile boundaries, unique count, top values, and the
    report's reading of it (kind: partition, id, timestamp)."""
    kinds = {f.name: f.kind for f in features or ()}
    out: dict[str, Any] = {"job": record.job, "ds": record.ds, "run_id": record.run_id,
                           "num_examples": summary.num_examples, "features": {}}
    for name, feature in summary.features.items():
        data = dataclasses.asdict(feature)
        data.pop("histogram", None)  # the coarse chart data; the quantiles say more
        data["top_values"] = [{"value": v, "share": s} for v, s in feature.top_values]
        data["quantiles"] = list(feature.quantiles)
        data["kind"] = kinds.get(name, "")
        out["features"][name] = data
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def findings_text(record: RunRecord, anomalies_pbtxt: str | None) -> str:
    """The run's anomalies as plain text: a line per finding (worst first, ignored ones too,
    marked), then TFDV's anomalies.pbtxt as written."""
    outcome = record.outcome.value if record.outcome else "running"
    lines = [f"dqv anomalies of {record.job}, ds={record.ds or '-'}, run {record.run_id}: "
             f"{outcome}", ""]
    if record.error:
        lines += [f"not evaluated: {record.error}", ""]
    findings = worst_first(record.findings, include_ignored=True)
    for finding in findings:
        lines.append(f"[{finding.severity.value}] {finding.feature} {finding.anomaly_type}: "
                     f"{sentence(finding)}")
    if not findings:
        lines.append("no anomalies")
    if anomalies_pbtxt is not None:
        lines += ["", "--- anomalies.pbtxt (TFDV) ---", anomalies_pbtxt.rstrip("\n")]
    return "\n".join(lines) + "\n"


def read_anomalies(record: RunRecord) -> str | None:
    from validator.history import artifact_fs

    if not record.anomalies:
        return None
    try:
        return artifact_fs.read_bytes(record.anomalies).decode("utf-8", errors="replace")
    except OSError:
        return None


def files_dir(out: pathlib.Path) -> pathlib.Path:
    """The folder next to report file `out` that holds its readable artifacts."""
    return out.with_name(out.stem + ".files")


def write_readable_artifacts(report: DayReport, files: pathlib.Path) -> None:
    """For each job run of the report: files/RUN_ID/statistics-summary.json (when its
    statistics were read) and files/RUN_ID/anomalies.txt."""
    from validator.report.page import readable_artifact

    try:
        for job in report.jobs:
            record = job.record
            texts = {"findings": findings_text(record, read_anomalies(record))}
            if job.summary is not None:
                texts["summary"] = summary_json(record, job.summary, job.features)
            for kind, text in texts.items():
                path = readable_artifact(files, record, kind)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot write the report's artifacts to {files}: {err}; choose another "
                        "--out") from None
