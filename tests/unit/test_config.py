"""Job files: typed models, and errors that name file, line and field."""

from __future__ import annotations

import pathlib

import pytest

from tests.conftest import REPO
from validator.config.job import load_job
from validator.config.schema_io import load_schema
from validator.errors import ConfigError

GOOD = (REPO / "jobs" / "training_events.yaml").read_text()


def _job(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "jobs" / "training_events.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_bundled_job_parses_and_resolves_paths_against_the_project(tmp_path: pathlib.Path) -> None:
    job = load_job(REPO / "jobs" / "training_events.yaml")
    assert job.schema_path == REPO / "schemas" / "training_events.pbtxt"
    assert job.source.partition is not None and job.source.partition.hive_key == "ds"
    assert len(load_schema(job.schema_path).feature) == 15


@pytest.mark.parametrize(("text", "marker", "field", "words"), [
    (GOOD.replace("owner: ml-growth", "owner: ml-growth\nownr: typo"), "ownr: typo", "ownr",
     "unknown field"),
    (GOOD.replace("hive_key: ds", "hive_key: ds\n    column: d"), "  partition:", "source.partition",
     "exactly one of"),
    (GOOD.replace("policy: last_passing", "policy: sometimes"), "  policy: sometimes",
     "baseline.policy", "'last_passing', 'pinned' or 'none'"),
    (GOOD.replace("anomaly: ENUM_TYPE_UNEXPECTED_STRING_VALUES", "anomaly: new values"),
     "      anomaly: new values", "severity.rules[0].anomaly", "not an anomaly type name"),
    (GOOD.replace("name: training_events", "name: Training Events"), "name: Training Events", "name",
     "lower-case"),
    (GOOD + "owner: twice\n", "owner: twice", "owner", "given twice"),
])
def test_errors_name_line_and_field(tmp_path: pathlib.Path, text: str, marker: str, field: str,
                                    words: str) -> None:
    line = text.splitlines().index(marker) + 1
    path = _job(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_job(path)
    assert err.value.line == line, str(err.value)
    assert err.value.field == field
    assert words in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}")


def test_name_must_match_file(tmp_path: pathlib.Path) -> None:
    path = _job(tmp_path, GOOD.replace("name: training_events", "name: other"))
    with pytest.raises(ConfigError, match="differs from the file name"):
        load_job(path)


def test_schema_with_undefined_domain_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "s.pbtxt"
    path.write_text('feature { name: "c" type: BYTES domain: "nope" }\n')
    with pytest.raises(ConfigError, match="names domain 'nope', which is not defined"):
        load_schema(path)


def test_a_glob_skips_marker_files(tmp_path: pathlib.Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from validator.config.job import LocalSource
    from validator.sources.local import LocalFileSource

    pq.write_table(pa.table({"a": [1]}), tmp_path / "part-0.parquet")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".part-0.parquet.crc").write_text("x")
    source = LocalFileSource(LocalSource(kind="local", path="*"), tmp_path)
    assert [pathlib.Path(f).name for f in source.files(None)] == ["part-0.parquet"]
