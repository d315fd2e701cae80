"""Row evidence end to end through the CLI on local files (issue 18, acceptance 2): the query
stored for each blocking value finding, pasted into DuckDB, returns exactly the offending rows
of the input; masked values appear in no artifact, no `dqv show` output, no report and no
Slack message; omitted columns are never read; a run without such findings reads nothing more."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import REPO, dqv
from tests.support.slack_standin import SlackStandin

DAY = "2026-11-08"  # age has values below 13 and above 120 in the sample
SECRET = "ZZ-secret-country"  # injected into the masked column: outside its domain
COUNTRIES = {"BR", "CA", "DE", "FR", "GB", "IN", "JP", "US"}


def _project(tmp_path: pathlib.Path, fmt: str, evidence: dict[str, Any]) -> tuple[pathlib.Path, pa.Table]:
    """The bundled job on a copy of DAY with SECRET in `country` on every 50th row."""
    project = tmp_path / "project"
    (project / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", project / "schemas")
    shutil.copytree(REPO / "alerts", project / "alerts")
    table = pq.read_table(REPO / "sample_data" / "training_events" / f"ds={DAY}" / "part-000.parquet")
    country = [SECRET if i % 50 == 7 else c for i, c in enumerate(table["country"].to_pylist())]
    table = table.set_column(table.column_names.index("country"), "country", pa.array(country))
    folder = project / "data" / f"ds={DAY}"
    folder.mkdir(parents=True)
    if fmt == "parquet":
        pq.write_table(table, folder / "part-000.parquet", row_group_size=500)
    else:
        pacsv.write_csv(table.drop(["event_time"]), folder / "part-000.csv")
        table = pacsv.read_csv(folder / "part-000.csv",
                               convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    job = yaml.safe_load((REPO / "jobs" / "training_events.yaml").read_text())
    job["source"] = {"kind": "local", "path": "data", "format": fmt, "partition": {"hive_key": "ds"}}
    if fmt == "csv":
        job["source"]["columns"] = [c for c in table.column_names]
    job["evidence"] = evidence
    (project / "jobs" / "training_events.yaml").write_text(yaml.safe_dump(job, sort_keys=False))
    return project, table


def _run(project: pathlib.Path, env: dict[str, str] | None = None, ds: str = DAY) -> dict[str, Any]:
    proc = dqv("run", "training_events", "--ds", ds, "--json", "--quiet", "--project-dir",
               str(project), "--artifact-root", str(project / "artifacts"), env=env)
    assert proc.stdout, proc.stderr
    record: dict[str, Any] = json.loads(proc.stdout)
    assert proc.returncode == 1, proc.stderr
    return record


def _offending(table: pa.Table, anomaly: str) -> set[str]:
    """The session ids of the rows each finding is about, by a pyarrow filter of the input."""
    if anomaly == "ENUM_TYPE_UNEXPECTED_STRING_VALUES":
        mask = pc.invert(pc.is_in(table["country"], pa.array(sorted(COUNTRIES))))
    elif anomaly == "INT_TYPE_SMALL_INT":
        mask = pc.less(table["age"], 13)
    else:
        mask = pc.greater(table["age"], 120)
    return set(table.filter(pc.fill_null(mask, False))["session_id"].to_pylist())


def _pasted(query: str) -> set[str]:
    con = duckdb.connect()
    try:
        result = con.execute(query)
        names = [d[0] for d in result.description]
        rows = result.fetchall()
    finally:
        con.close()
    ids = [r[names.index("session_id")] for r in rows]
    assert len(ids) == len(set(ids))
    return set(ids)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_pasted_duckdb_query_returns_exactly_the_offending_rows(tmp_path: pathlib.Path,
                                                                    fmt: str) -> None:
    project, table = _project(tmp_path, fmt, {"max_rows": 5})
    record = _run(project)
    evidence = {e["anomaly_type"]: e for e in record["evidence"]}
    assert set(evidence) == {"ENUM_TYPE_UNEXPECTED_STRING_VALUES", "INT_TYPE_SMALL_INT",
                             "INT_TYPE_BIG_INT"}
    on_disk = json.loads((pathlib.Path(record["artifact_dir"]) / "evidence.json").read_text())
    assert on_disk == record["evidence"]
    for anomaly, item in evidence.items():
        want = _offending(table, anomaly)
        assert len(want) > 5
        assert item["dialect"] == "duckdb" and item["error"] is None
        assert _pasted(item["query"]) == want, anomaly
        assert len(item["rows"]) == 5 and item["truncated"] is True
        sampled = {r[item["columns"].index("session_id")] for r in item["rows"]}
        assert sampled <= want
    details = record["source_details"]["evidence"]
    assert details["queries"] == 3
    assert record["timings"]["evidence"] > 0
    if fmt == "parquet":  # columns, not the files: less than the partition's bytes
        assert 0 < details["reads"][0]["max_bytes"] < record["bytes_read"]


def _artifact_texts(root: pathlib.Path) -> dict[str, str]:
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()}


def test_masked_values_appear_nowhere_and_omitted_columns_are_not_read(
        tmp_path: pathlib.Path, slack_standin: SlackStandin) -> None:
    project, table = _project(tmp_path, "parquet", {"max_rows": 20, "mask": ["country", "user_id"],
                                                    "omit": ["session_id"]})
    env = {"DQV_SLACK_BOT_TOKEN": "xoxb-test", "DQV_SLACK_BASE_URL": slack_standin.base_url,
           "DQV_SLACK_WEBHOOK_URL": "", "DQV_METADATA": ""}
    record = _run(project, env)
    report = dqv("report", "--date", DAY, "--project-dir", str(project), "--artifact-root",
                 str(project / "artifacts"), env={"DQV_SLACK_BOT_TOKEN": ""})
    assert report.returncode == 0, report.stderr
    show = dqv("show", record["run_id"], "--artifact-root", str(project / "artifacts"))
    assert show.returncode == 0, show.stderr
    posts = slack_standin.posts()
    assert posts and record["delivery"]["slack"] == "ok"

    country = next(e for e in record["evidence"] if e["feature"] == "country")
    assert "session_id" not in country["columns"] and country["omitted"] == ["session_id"]
    assert set(country["masked"]) == {"country", "user_id"}
    assert {r[country["columns"].index("country")] for r in country["rows"]} == {"***"}
    # The rows are there (the pasted query, run by a user, finds them all).
    assert _pasted(country["query"]) == _offending(table, "ENUM_TYPE_UNEXPECTED_STRING_VALUES")
    secrets = {SECRET, *table["user_id"].to_pylist(), *table["session_id"].to_pylist()}
    texts = _artifact_texts(project / "artifacts")
    assert any(p.endswith("evidence.json") for p in texts)
    assert any(p.endswith("FeatureStats.pb") for p in texts)
    assert any(p.endswith(".html") for p in texts)
    outputs = {"dqv show": show.stdout, "slack": json.dumps([p.data for p in posts]),
               "run --json": json.dumps(record), **texts}
    ids = re.compile(r"u\d{6}|s\d{9}|" + re.escape(SECRET))
    leaks = [(where, found) for where, text in outputs.items()
             for found in set(ids.findall(text)) & secrets]
    assert leaks == []
    assert len(secrets) > 3900 and all(ids.fullmatch(s) for s in secrets)
    # What is shown instead: the finding, the masked sample and the query.
    assert "Rows of country ENUM_TYPE_UNEXPECTED_STRING_VALUES" in show.stdout
    assert "read_parquet" in show.stdout.lower()
    assert "*Rows* of `country`" in json.dumps([p.data for p in posts])
    page = next(text for path, text in texts.items() if path.endswith(".html"))
    assert "<h3>Row evidence</h3>" in page and 'data-feature="country"' in page and "***" in page


def test_a_run_without_value_findings_reads_nothing_more(tmp_path: pathlib.Path) -> None:
    # 2026-11-07 blocks on a missing column (no rows to show); 11-06 only warns.
    project = tmp_path / "p"
    (project / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", project / "schemas")
    shutil.copy(REPO / "jobs" / "training_events.yaml", project / "jobs")
    (project / "sample_data").symlink_to(REPO / "sample_data")
    for ds, code in (("2026-11-07", 1), ("2026-11-06", 0)):
        proc = dqv("run", "training_events", "--ds", ds, "--json", "--quiet", "--project-dir",
                   str(project), "--artifact-root", str(project / "artifacts"))
        record = json.loads(proc.stdout)
        assert proc.returncode == code, proc.stderr
        assert record["findings"]
        assert record["evidence"] == []
        assert "evidence" not in record["timings"] and "evidence" not in record["source_details"]
        assert not (pathlib.Path(record["artifact_dir"]) / "evidence.json").exists()


def test_type_and_missing_queries_count_what_the_statistics_counted(tmp_project: pathlib.Path) -> None:
    # 2026-11-09 writes cart_value as text ("$12.50"): values that do not parse are type errors
    # and missing values, so the feature is not present at all.
    from tensorflow_metadata.proto.v0 import statistics_pb2

    proc = dqv("run", "training_events", "--ds", "2026-11-09", "--json", "--quiet", "--project-dir",
               str(tmp_project), "--artifact-root", str(tmp_project / "artifacts"))
    record = json.loads(proc.stdout)
    stats = statistics_pb2.DatasetFeatureStatisticsList()
    stats.ParseFromString(pathlib.Path(record["statistics"]).read_bytes())
    cart = next(f for f in stats.datasets[0].features if f.path.step == ["cart_value"])
    invalid = next(int(c.num) for c in cart.custom_stats if c.name == "dqv_invalid_values")
    counted = {"UNEXPECTED_DATA_TYPE": invalid,
               "FEATURE_TYPE_NOT_PRESENT": int(cart.num_stats.common_stats.num_missing)}
    evidence = {e["anomaly_type"]: e for e in record["evidence"]}
    assert set(evidence) == set(counted)
    for anomaly, count in counted.items():
        assert 0 < count == len(_pasted(evidence[anomaly]["query"])), anomaly
