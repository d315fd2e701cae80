"""Artifact roots for report tests, made by real runs (the real runner, TFDV and run-history
store) or, for the size test, from statistics TFDV generates over random data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import random
import shutil
import string

from tests.conftest import REPO

XSS_CATEGORY = "<script>alert(1)</script>"
XSS_FEATURE = "<img src=x onerror=alert(1)>"
# Attribute break-outs and a flag a script would set if any of them ran.
XSS_ATTRIBUTE = '"><svg onload="window.__xss=1">'
XSS_DESCRIPTION = "<b onmouseover=alert(1)>owner's & \"quoted\"</b>"


def write_job(project: pathlib.Path, name: str, text: str) -> None:
    (project / "jobs").mkdir(parents=True, exist_ok=True)
    (project / "jobs" / f"{name}.yaml").write_text(text, encoding="utf-8")


def sample_job(name: str, severity: str, path: str = "sample_data/training_events") -> str:
    """The bundled job under another name, reading `path`, with its own severity block."""
    return (f"name: {name}\nowner: team-{name}\nschema: schemas/training_events.pbtxt\n"
            f"environment: TRAINING\nsource:\n  kind: local\n  path: {path}\n  format: parquet\n"
            f"  partition:\n    hive_key: ds\nseverity:\n{severity}")


def run_days(project: pathlib.Path, root: pathlib.Path, jobs: list[str], days: list[str]) -> None:
    """Run each job for each ds, in order, in this process (one TFDV import for all)."""
    from validator.config.job import find_job, load_job
    from validator.history import open_store
    from validator.run.runner import run_job
    from validator.run.settings import RunSettings

    store = open_store(root)
    settings = RunSettings(artifact_root=root, progress=False)
    for name in jobs:
        job = load_job(find_job(name, project))
        for ds in days:
            run_job(job, dt.date.fromisoformat(ds), store, settings)


def four_outcomes_project(tmp: pathlib.Path) -> pathlib.Path:
    """Four jobs over the sample data whose runs for ds 2026-11-06 end block, not evaluated,
    warn and pass."""
    project = tmp / "project"
    project.mkdir()
    shutil.copytree(REPO / "schemas", project / "schemas")
    (project / "sample_data").symlink_to(REPO / "sample_data")
    write_job(project, "training_events", (REPO / "jobs" / "training_events.yaml").read_text())
    write_job(project, "strict_events", sample_job("strict_events", "  default: error\n"))
    write_job(project, "lenient_events", sample_job("lenient_events", "  default: ignore\n"))
    # Issue 13: a missing partition is not_ready now; an unreadable one is still not evaluated.
    for day in range(1, 12):
        folder = project / "unreadable_table" / f"ds=2026-11-{day:02d}"
        folder.mkdir(parents=True)
        (folder / "part-000.parquet").write_bytes(b"not parquet")
    write_job(project, "missing_events", sample_job("missing_events", "  default: error\n",
                                                    path="unreadable_table"))
    return project


XSS_SCHEMA = f"""
feature {{ name: "id" type: INT }}
feature {{ name: "{XSS_FEATURE}" type: BYTES }}
feature {{ name: "category" type: BYTES domain: "category" }}
string_domain {{ name: "category" value: "a" value: "b" }}
"""


def xss_project(tmp: pathlib.Path) -> pathlib.Path:
    """A job whose data carries HTML: a category value, a feature name and a description."""
    project = tmp / "xss"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "hostile.pbtxt").write_text(XSS_SCHEMA, encoding="utf-8")
    for day, values in (("2026-11-01", ["a", "b"]),
                        ("2026-11-02", ["a", XSS_CATEGORY, XSS_ATTRIBUTE])):
        folder = project / "data" / f"ds={day}"
        folder.mkdir(parents=True)
        rows = [f'{i},"{values[i % len(values)].replace(chr(34), chr(34) * 2)}",'
                f'"{[XSS_CATEGORY, XSS_ATTRIBUTE, "plain"][i % 3].replace(chr(34), chr(34) * 2)}"'
                for i in range(60)]
        header = f'id,category,"{XSS_FEATURE}"'
        (folder / "part.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    description = XSS_DESCRIPTION.replace("'", "''")
    write_job(project, "hostile", (
        f"name: hostile\ndescription: '{description}'\nowner: '{XSS_ATTRIBUTE}'\n"
        "schema: schemas/hostile.pbtxt\nsource:\n  kind: local\n  path: data\n  format: csv\n"
        "  partition:\n    hive_key: ds\nseverity:\n  default: error\n"))
    return project


@dataclasses.dataclass(frozen=True)
class GeneratedDay:
    root: pathlib.Path
    date: str
    jobs: list[str]
    schema: pathlib.Path  # a schema with constraints on every generated feature (the checks)


def _generated_schema(features: int) -> str:
    """Type, presence, a range or domain, a value count and a drift comparator per feature."""
    lines = []
    for f in range(features):
        if f % 5 < 2:
            lines.append(f'feature {{ name: "num_{f:02d}" type: FLOAT presence {{ min_fraction: 1.0 }} '
                         "float_domain { min: -1000 max: 1000 } value_count { min: 1 max: 1 } "
                         "drift_comparator { jensen_shannon_divergence { threshold: 0.1 } } }")
        elif f % 5 == 2:
            lines.append(f'feature {{ name: "count_{f:02d}" type: INT presence {{ min_fraction: 1.0 }} '
                         "int_domain { min: 0 max: 100 } shape { dim { size: 1 } } }")
        else:
            lines.append(f'feature {{ name: "text_{f:02d}" type: BYTES presence {{ min_fraction: 1.0 }} '
                         "shape { dim { size: 1 } } "
                         "drift_comparator { infinity_norm { threshold: 0.1 } } }")
    lines.append("dataset_constraints { min_examples_count: 1 "
                 "num_examples_drift_comparator { min_fraction_threshold: 0.5 } }")
    return "\n".join(lines) + "\n"


def generated_root(tmp: pathlib.Path, jobs: int = 10, features: int = 50, days: int = 30,
                   rows: int = 1000) -> GeneratedDay:
    """`jobs` jobs of `features` columns each (numbers, counts and long text categories),
    with `days` days of history. TFDV computes the statistics of random data for the last two
    days of each job; earlier days reuse them (they only feed the trend charts)."""
    import pandas as pd

    from validator.core.outcome import Outcome
    from validator.core.record import RunRecord
    from validator.history.store import FileRunStore
    from validator.stats.accumulate import write_statistics
    from validator.stats.tfdv_runtime import import_tfdv

    tfdv = import_tfdv()
    rng = random.Random(7)
    root = tmp / "generated"
    store = FileRunStore(root)
    end = dt.date(2026, 11, 30)
    names = [f"table_{j:02d}" for j in range(jobs)]
    for name in names:
        stats_paths = []
        for version in range(2):
            columns = {}
            for f in range(features):
                if f % 5 < 2:
                    columns[f"num_{f:02d}"] = [rng.gauss(100 * version, 30) for _ in range(rows)]
                elif f % 5 == 2:
                    columns[f"count_{f:02d}"] = [rng.randint(0, 50 + version * 10) for _ in range(rows)]
                else:
                    vocab = ["".join(rng.choices(string.ascii_lowercase, k=24)) for _ in range(40)]
                    columns[f"text_{f:02d}"] = [rng.choice(vocab) for _ in range(rows)]
            stats = tfdv.generate_statistics_from_dataframe(pd.DataFrame(columns))
            path = root / name / f"v{version}" / "FeatureStats.pb"
            write_statistics(stats, path)
            stats_paths.append(str(path))
        previous: RunRecord | None = None
        for n in range(days):
            ds = (end - dt.timedelta(days=days - 1 - n)).isoformat()
            run_id = f"2026120{1 + n % 9}T0{n % 10}0000000Z-{rng.randrange(16**6):06x}"
            record = RunRecord(
                run_id=run_id, job=name, ds=ds, started_at=f"{ds}T06:00:00+00:00",
                ended_at=f"{ds}T06:01:00+00:00", rows=rows + rng.randint(-50, 50),
                artifact_dir=str(root / name / f"ds={ds}" / run_id),
                statistics=stats_paths[1 if n == days - 1 else 0],
                baseline_run_id=previous.run_id if previous else None,
                baseline_ds=previous.ds if previous else None,
                measurements=[{"comparison": "drift", "feature": "text_03", "kind": "L_INFTY",
                               "value": rng.random() / 5, "threshold": 0.1}])
            record.outcome = Outcome.PASS
            store.finish(record)
            previous = record
    schema = root / "schema.pbtxt"
    schema.write_text(_generated_schema(features), encoding="utf-8")
    return GeneratedDay(root, end.isoformat(), names, schema)


# The blocked sample day's finding, as row evidence would record it (the evidence engineer adds
# real collection; until then the tests put it into the record). Values carry HTML.
EVIDENCE_QUERY = ("SELECT * FROM read_parquet('sample_data/training_events/ds=2026-11-06/*.parquet') "
                  "WHERE device NOT IN ('desktop', 'mobile', 'tablet') AND note <> '<b>x</b>'")


def blocked_day_evidence() -> dict[str, object]:
    return {"feature": "device", "anomaly_type": "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
            "dialect": "duckdb", "query": EVIDENCE_QUERY,
            "columns": ["session_id", "device", XSS_FEATURE],
            "rows": [["s050000007", "smart_tv", XSS_CATEGORY], ["s050000019", "smart_tv", None]],
            "masked": ["user_id"], "truncated": True}


class EvidenceStore:
    """A run store that hands out the records of `inner` with `evidence` added to one run."""

    def __init__(self, inner: object, run_id: str, evidence: list[dict[str, object]]) -> None:
        self.inner, self.run_id, self.evidence = inner, run_id, evidence

    def _with(self, record: object) -> object:
        from validator.core.record import RunRecord

        if isinstance(record, RunRecord) and record.run_id == self.run_id:
            copy = RunRecord.from_json(record.to_json())
            copy.evidence = self.evidence  # type: ignore[assignment]  (stored form: converted)
            return copy
        return record

    def runs(self, job: str) -> list[object]:
        return [self._with(r) for r in self.inner.runs(job)]  # type: ignore[attr-defined]

    def get(self, run_id: str) -> object:
        return self._with(self.inner.get(run_id))  # type: ignore[attr-defined]


PARTITION_SCHEMA_EXTRA = 'feature { name: "ds" type: BYTES presence { min_fraction: 1.0 } }\n'


def partition_column_project(tmp: pathlib.Path) -> pathlib.Path:
    """The sample days 11-05 and 11-06 in one Parquet file with a string column `ds` that
    selects the day (`partition: {column: ds}`), named by the schema so it is a feature."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    project = tmp / "partitioned"
    (project / "schemas").mkdir(parents=True)
    schema = (REPO / "schemas" / "training_events.pbtxt").read_text(encoding="utf-8")
    (project / "schemas" / "events.pbtxt").write_text(schema + PARTITION_SCHEMA_EXTRA,
                                                      encoding="utf-8")
    tables = []
    for day in ("2026-11-05", "2026-11-06"):
        table = pq.read_table(REPO / "sample_data" / "training_events" / f"ds={day}")
        tables.append(table.append_column("ds", pa.array([day] * table.num_rows, pa.string())))
    (project / "data").mkdir()
    pq.write_table(pa.concat_tables(tables), project / "data" / "events.parquet")
    write_job(project, "by_column", (
        "name: by_column\nschema: schemas/events.pbtxt\nenvironment: TRAINING\nsource:\n"
        "  kind: local\n  path: data/events.parquet\n  format: parquet\n  partition:\n"
        "    column: ds\nmonitors: {duplicate: {enabled: false}}\nseverity:\n  default: warning\n"))
    return project


BAND_DAYS = [(dt.date(2026, 10, 20) + dt.timedelta(days=n)).isoformat() for n in range(12)]
BAND_LOW_DAY = BAND_DAYS[9]  # a 45% load after 9 normal days: out of the band, blocked


def band_project(tmp: pathlib.Path) -> pathlib.Path:
    """A job over 12 days of ~1000 sample rows (resampled per day), whose volume monitor learns
    from 5 earlier runs; day 10 has 450 rows."""
    import numpy as np

    from tests.support import monitor_data as md

    project = md.new_project(tmp / "band", {"volume_job": (
        "monitors:\n  volume: {min_history: 5, seasonality: none}\n"
        "  duplicate: {enabled: false}\n")})
    rows, rng = md.pool(), np.random.default_rng(18)
    for n, ds in enumerate(BAND_DAYS):
        day = dt.date.fromisoformat(ds)
        count = 450 if ds == BAND_LOW_DAY else round(1000 * (1 + rng.normal(0, 0.015)))
        md.write_partition(project, day, md.day_table(rows, count, day, seed=n))
    return project
