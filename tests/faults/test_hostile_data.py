"""Hostile data: CSV null words, duplicate column names, and ESC sequences, quotes and HTML in
column names, values and parse errors. Text is taken as written, errors are one line naming
the problem (exit 2), and nothing reaches a terminal, a report or Slack unescaped."""

from __future__ import annotations

import json
import pathlib
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.faults.conftest import Case, runs_text
from tests.faults.support import dqv, history, project, run
from tests.support.slack_standin import SlackStandin
from validator.history.baselines import read_statistics

DS = "2026-11-05"
ESC = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, set the window title
HOSTILE = f'<b onmouseover="x">\'q\'{ESC}'
SCHEMA = """feature { name: "cat" type: BYTES domain: "cat" presence { min_count: 1 } }
feature { name: "country" type: BYTES presence { min_count: 1 } }
string_domain { name: "cat" value: "a" value: "b" value: "c" }
"""


def _csv_project(root: pathlib.Path, text: str, extra: str = "") -> pathlib.Path:
    (root / "jobs").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "schemas" / "cats.pbtxt").write_text(SCHEMA)
    folder = root / "data" / f"ds={DS}"
    folder.mkdir(parents=True)
    (folder / "part-000.csv").write_text(text)
    (root / "jobs" / "cats.yaml").write_text(
        "name: cats\nschema: schemas/cats.pbtxt\nowner: ml-growth\n"
        "source:\n  kind: local\n  path: data\n  format: csv\n  partition: {hive_key: ds}\n"
        f"{extra}baseline: {{policy: none}}\nseverity: {{default: error}}\n")
    return root


def _cats(proj: pathlib.Path, *extra: str) -> tuple[int, dict[str, object], str]:
    done = dqv(proj, "run", "cats", "--ds", DS, "--json", *extra)
    return done.code, json.loads(done.out), done.err


def _country(record: dict[str, object]) -> tuple[int, list[str]]:
    stats = read_statistics(str(record["statistics"]))
    [feature] = [f for f in stats.datasets[0].features if f.path.step == ["country"]]
    common = feature.string_stats.common_stats
    return int(common.num_missing), [v.value for v in feature.string_stats.top_values]


def test_csv_null_words_are_values_unless_the_job_lists_them(tmp_path: pathlib.Path,
                                                            case: Case) -> None:
    rows = "cat,country\nNULL,NA\nnull,NA\nN/A,US\nnan,NA\na,\n"
    proj = _csv_project(tmp_path / "plain", rows)
    code, record, err = _cats(proj)
    case.verdict, case.exit_code = str(record["outcome"]), code
    assert (code, record["outcome"]) == (1, "block"), err
    findings = {(f["feature"], f["anomaly_type"]): f for f in record["findings"]}  # type: ignore[attr-defined]
    unexpected = findings[("cat", "ENUM_TYPE_UNEXPECTED_STRING_VALUES")]["description"]
    assert all(word in unexpected for word in ("NULL", "null", "N/A", "nan"))
    assert _country(record) == (1, ["NA", "US"])  # country code NA kept; only the empty one missing
    listed = _csv_project(tmp_path / "listed", rows,
                          '  csv_null_values: ["NULL", "null", "N/A", "nan"]\n')
    code, record, err = _cats(listed)
    assert (code, record["outcome"]) == (0, "pass"), err
    assert _country(record)[0] == 1
    case.runs = runs_text(history_of(listed))


def history_of(proj: pathlib.Path) -> list[object]:
    from validator.history.mlmd_store import MlmdRunStore

    return list(MlmdRunStore(proj / "out").runs("cats"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_duplicate_column_names_are_a_one_line_data_error(tmp_path: pathlib.Path, fmt: str,
                                                         case: Case) -> None:
    proj = _csv_project(tmp_path, "cat,cat,country\na,b,US\n")
    if fmt == "parquet":
        folder = proj / "data" / f"ds={DS}"
        (folder / "part-000.csv").unlink()
        table = pa.Table.from_arrays([pa.array(["a"]), pa.array(["b"]), pa.array(["US"])],
                                     ["cat", "cat", "country"])
        pq.write_table(table, folder / "part-000.parquet")
        job = proj / "jobs" / "cats.yaml"
        job.write_text(job.read_text().replace("format: csv", "format: parquet"))
    code, record, err = _cats(proj)
    case.verdict, case.exit_code = str(record["outcome"]), code
    assert (code, record["outcome"]) == (2, "not_evaluated"), err
    assert "duplicate column name(s) 'cat'" in str(record["error"])
    assert "internal error" not in str(record["error"])
    case.runs = runs_text(history_of(proj))


def _no_raw_escape(*texts: str) -> None:
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text, repr(text[:500])


def test_escape_sequences_never_reach_the_terminal(tmp_path: pathlib.Path, case: Case) -> None:
    # A column the schema does not know, named with ESC sequences, and a bad CSV row.
    proj = _csv_project(tmp_path, f"cat,country,{HOSTILE}\na,US,1\n")
    code, record, err = _cats(proj)
    assert code == 1, err  # SCHEMA_NEW_COLUMN on the hostile column blocks (default error)
    plain = dqv(proj, "run", "cats", "--ds", DS)
    show = dqv(proj, "show", str(record["run_id"]))
    gate = dqv(proj, "gate", "cats", "--ds", DS)
    hist = dqv(proj, "history", "cats", "--all")
    for done in (plain, show, gate):
        assert "\\x1b[2J" in done.out, done.out  # shown, escaped, as the data holds it
    _no_raw_escape(plain.out, plain.err, show.out, show.err, gate.out, gate.err, hist.out, hist.err)
    # A CSV parse error quoting the hostile row: the error line and the history are escaped.
    (proj / "data" / f"ds={DS}" / "part-000.csv").write_text(f"cat,country\na,US\nb,{ESC},x\n")
    broken = dqv(proj, "run", "cats", "--ds", DS)
    hist = dqv(proj, "history", "cats", "--all")
    assert broken.code == 2 and "cannot read as csv" in broken.out + broken.err
    _no_raw_escape(broken.out, broken.err, hist.out, hist.err)
    assert "\\x1b" in broken.out + broken.err
    case.verdict, case.exit_code, case.runs = "block, then not_evaluated", broken.code, \
        runs_text(history_of(proj))


def test_hostile_names_in_report_slack_and_logs(tmp_path: pathlib.Path,
                                                slack_standin: SlackStandin, case: Case) -> None:
    proj = project(tmp_path, days=(DS,), files=1)
    data = proj / "data" / f"ds={DS}" / "part-000.parquet"
    table = pq.read_table(data)
    devices = table.column("device").to_pylist()
    devices[0] = HOSTILE
    table = table.set_column(table.schema.get_field_index("device"), "device", [devices])
    pq.write_table(table.append_column(HOSTILE, pa.array([1] * table.num_rows)), data)
    (proj / "alerts").mkdir()
    (proj / "alerts" / "routes.yaml").write_text("routes:\n  - channel: '#data-quality'\n")
    env = {"DQV_SLACK_BOT_TOKEN": "xoxb-fault-suite", "DQV_SLACK_BASE_URL": slack_standin.base_url,
           "DQV_SLACK_WEBHOOK_URL": ""}
    done = run(proj, DS, "-v", env=env)
    assert done.code == 1, done.err  # the unknown (hostile) column blocks
    _no_raw_escape(done.out, done.err)
    [post] = slack_standin.posts()
    slack_text = json.dumps(post.data, ensure_ascii=False)
    assert "<b" not in slack_text and "\x1b" not in slack_text
    assert "&lt;b onmouseover" in slack_text
    report = dqv(proj, "report", "--date", DS, "--out", str(tmp_path / "report.html"))
    assert report.code == 0, report.err
    html = (tmp_path / "report.html").read_text()
    assert "<b onmouseover" not in html and "&lt;b onmouseover" in html
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", html), "control characters in the HTML"
    case.verdict, case.exit_code, case.runs = "block", done.code, runs_text(history(proj))
    case.alerts = "1 delivered"
