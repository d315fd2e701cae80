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

    # Issue 13: --write over an existing schema needs --force (the diff is printed either way).
    proc = run_dqv("schema", "infer", "training_events", "--ds", "2026-11-01", "--write",
                   "--force", "--quiet", "--project-dir", str(tmp_project))
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


def test_infer_write_is_a_draft_for_review(run_dqv: Any, tmp_project: pathlib.Path) -> None:
    """Issue 13: --write refuses to replace the curated schema without --force and prints the
    unified diff either way; the draft proposes ranges and drift comparators, marked in comments,
    and `dqv validate-config` accepts it."""
    schema_file = tmp_project / "schemas" / "training_events.pbtxt"
    curated = schema_file.read_text()
    args = ("schema", "infer", "training_events", "--ds", "2026-11-01", "--write", "--quiet",
            "--project-dir", str(tmp_project))
    refused = run_dqv(*args)
    assert refused.returncode == 2
    assert "refusing to replace" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert refused.stdout.startswith(f"--- {schema_file} (current)\n+++ {schema_file} (draft)\n")
    assert schema_file.read_text() == curated  # untouched

    forced = run_dqv(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == refused.stdout  # the same diff, now applied
    text = schema_file.read_text()
    assert "# PROPOSED (age): range [" in text
    assert "# PROPOSED (country): drift: L-infinity distance above 0.1" in text
    draft = {f.name: f for f in text_format.Parse(text, schema_pb2.Schema()).feature}
    assert draft["age"].HasField("int_domain") and draft["age"].int_domain.min >= 0
    assert draft["session_duration_s"].HasField("float_domain")
    assert draft["session_duration_s"].drift_comparator.jensen_shannon_divergence.threshold == 0.1
    assert draft["country"].drift_comparator.infinity_norm.threshold == 0.1
    assert draft["age"].presence.min_fraction > 0
    check = run_dqv("validate-config", "--project-dir", str(tmp_project))
    assert check.returncode == 0, check.stdout
