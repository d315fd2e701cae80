"""A project with a weekly volume pattern for the monitor tests: real sample rows (the clean
bundled days) resampled per day, about 1000 rows on weekdays and 600 on weekends, written as
Parquet partitions `data/ds=YYYY-MM-DD/part-000.parquet` with event times moved into the ds."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
CLEAN_DAYS = ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05")

JOB = """name: {name}
schema: schemas/training_events.pbtxt
environment: TRAINING
source:
  kind: local
  path: data
  format: parquet
  partition: {{hive_key: ds}}
severity:
  default: error
  rules:
    - {{feature: device, anomaly: ENUM_TYPE_UNEXPECTED_STRING_VALUES, severity: warning}}
{extra}"""


def pool() -> pa.Table:
    tables = [pq.read_table(REPO / "sample_data" / "training_events" / f"ds={ds}")
              for ds in CLEAN_DAYS]
    return pa.concat_tables([t.select(tables[0].column_names) for t in tables])


def normal_rows(day: dt.date, rng: np.random.Generator) -> int:
    base = 600 if day.weekday() >= 5 else 1000
    return round(base * (1 + rng.normal(0, 0.015)))


def day_table(rows: pa.Table, count: int, event_day: dt.date, seed: int) -> pa.Table:
    """`count` rows drawn without replacement; event times moved to `event_day`, same time of day."""
    rng = np.random.default_rng(seed)
    picked = rows.take(pa.array(np.sort(rng.choice(rows.num_rows, count, replace=False))))
    seconds = pc.cast(picked.column("event_time"), pa.int64()).to_numpy() // 1_000_000
    midnight = int(dt.datetime(event_day.year, event_day.month, event_day.day,
                               tzinfo=dt.UTC).timestamp())
    moved = midnight + seconds % 86400
    index = picked.column_names.index("event_time")
    return picked.set_column(index, "event_time",
                             pa.array(moved * 1_000_000, pa.timestamp("us", tz="UTC")))


def with_nulls(table: pa.Table, column: str, share: float, seed: int) -> pa.Table:
    """`share` of the rows get a null in `column` (on top of the nulls it has)."""
    rng = np.random.default_rng(seed)
    values = table.column(column).to_pylist()
    for index in np.flatnonzero(rng.random(len(values)) < share):
        values[index] = None
    position = table.column_names.index(column)
    return table.set_column(position, table.schema.field(position),
                            pa.array(values, table.schema.field(position).type))


def write_partition(project: pathlib.Path, ds: dt.date, table: pa.Table) -> pathlib.Path:
    folder = project / "data" / f"ds={ds.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "part-000.parquet")
    return folder


def copy_partition(project: pathlib.Path, source: dt.date, target: dt.date) -> None:
    folder = project / "data" / f"ds={target.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(project / "data" / f"ds={source.isoformat()}" / "part-000.parquet", folder)


def new_project(root: pathlib.Path, jobs: dict[str, str]) -> pathlib.Path:
    """A project with the bundled schema and one job file per {name: extra YAML}."""
    (root / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", root / "schemas")
    for name, extra in jobs.items():
        (root / "jobs" / f"{name}.yaml").write_text(JOB.format(name=name, extra=extra))
    return root
