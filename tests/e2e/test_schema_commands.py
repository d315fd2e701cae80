"""`dqv schema infer` and `dqv schema diff` through the CLI on the sample data."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2


def test_infer_prints_and_writes_only_when_asked(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    schema_file = tmp_project / "schemas" / "training_events.pbtxt"
    before = schema_file.read_text()
    proc = run_dqv("schema", "infer", "training_events", "--ds", "2026-11-01", "--quiet",
                   "--project-dir", str(tmp_project))
    assert proc.returncode == 0, proc.stderr
    printed = text_format.Parse(proc.stdout, schema_pb2.Schema())
    assert {f.name for f in printed.feature} >= {"age", "country", "label", "cart_value"}
    assert schema_file.read_text() == before  # not written without --write

    proc = run_dqv("schema", "infer", "training_events", "--ds", "2026-11-01", "--write", "--quiet",
                   "--project-dir", str(tmp_project))
    assert proc.returncode == 0, proc.stderr
    written = text_format.Parse(schema_file.read_text(), schema_pb2.Schema())
    assert written == printed


def test_diff_shows_unseen_category_and_dropped_column(run_dqv: Any) -> None:
    proc = run_dqv("schema", "diff", "training_events", "--ds", "2026-11-06", "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    found = {(s["feature"], s["kind"]): s["detail"] for s in json.loads(proc.stdout)}
    assert "'smart_tv'" in found[("device", "domain")]
    proc = run_dqv("schema", "diff", "training_events", "--ds", "2026-11-07", "--quiet")
    assert "account_age_days" in proc.stdout and "absent_feature" in proc.stdout
