"""`dqv init NAME --bigquery TABLE | --path PATH --ds D`: a new job in one command.

Writes `jobs/NAME.yaml` (commented: the fields a first job needs), a draft schema
`schemas/NAME.pbtxt` inferred from one partition (`dqv schema infer`'s inference) and
`alerts/routes.yaml` when the project has none. Never overwrites a file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import pathlib
from collections.abc import Callable
from typing import Any

from validator.config.job import JOB_NAME, load_job
from validator.errors import ConfigError

log = logging.getLogger("dqv")

JOB_TEMPLATE = """\
# {name}: checked by dqv before training (docs/job-file.md lists every field).
name: {name}
description: ""                       # one line: what the data is for
owner: ""                             # team or person; shown in alerts and reports
schema: schemas/{name}.pbtxt          # draft inferred by `dqv init`: review and curate it
source:
{source}
baseline:
  policy: last_passing                # drift is checked against the latest passing run
severity:
  default: error                      # every anomaly blocks unless a rule says otherwise
  rules: []                           # most specific wins, e.g.
  #  - {{feature: device, anomaly: ENUM_TYPE_UNEXPECTED_STRING_VALUES, severity: warning}}
waivers: []                           # time-boxed exceptions: docs/gate-and-waivers.md
# schedule: {{cron: "0 6 * * *", timezone: UTC}}    # for `dqv serve` (docs/serve.md)
# metrics: {{pushgateway_url: http://pushgateway:9091}}   # docs/metrics-and-alerts.md
"""

ROUTES_TEMPLATE = """\
# Where dqv posts Slack alerts (docs/slack.md). Used only when DQV_SLACK_BOT_TOKEN (or
# DQV_SLACK_WEBHOOK_URL) is set in the environment.
suppression_window_hours: 24
routes:
  # Each finding goes to the first route matching its job, severity and feature owner.
  - job: "*"
    severity: warning
    channel: "#data-quality"
"""


@dataclasses.dataclass(frozen=True)
class InitRequest:
    name: str
    project_dir: pathlib.Path
    ds: dt.date | None
    bigquery: str | None = None
    path: str | None = None
    partition_column: str | None = None


def add_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None],
               date: Callable[[str], dt.date]) -> None:
    init = sub.add_parser("init", help="start a job: job file, draft schema, alert routes")
    init.add_argument("name", help="the job name: lower-case letters, digits, '_' and '-'")
    where = init.add_mutually_exclusive_group(required=True)
    where.add_argument("--bigquery", metavar="TABLE",
                       help="read this BigQuery table, [project.]dataset.table")
    where.add_argument("--path", help="read these local Parquet/CSV files: a file, a folder "
                                      "(PATH/ds=YYYY-MM-DD/… is found) or a glob")
    init.add_argument("--partition-column", metavar="COLUMN",
                      help="the DATE/TIMESTAMP column that makes one ds (BigQuery default: "
                           "the table's partitioning field)")
    init.add_argument("--ds", type=date, help="the partition the draft schema is learned from, "
                                              "YYYY-MM-DD (required for partitioned data)")
    common(init)


def cmd_init(args: argparse.Namespace) -> int:
    return init_command(InitRequest(name=args.name, project_dir=args.project_dir, ds=args.ds,
                                    bigquery=args.bigquery, path=args.path,
                                    partition_column=args.partition_column))


def _bigquery_source(request: InitRequest) -> str:
    lines = ["  kind: bigquery", f"  table: {request.bigquery}"]
    column = request.partition_column or _partitioning(request.bigquery or "")
    if column == "_PARTITIONDATE":
        lines += ["  partition:", "    ingestion_time: true"]
    elif column:
        lines += ["  partition:", f"    column: {column}         # --ds selects this day"]
    lines += ["  # columns: [user_id, age]           # read only these",
              "  # maximum_bytes_billed: 50000000000 # cost cap (docs/bigquery.md)",
              "  # project: my-billing-project       # default GOOGLE_CLOUD_PROJECT"]
    return "\n".join(lines)


def _partitioning(table: str) -> str | None:
    """The table's time-partitioning field (or _PARTITIONDATE), asked of BigQuery."""
    from validator.sources.bigquery.clients import build_clients, endpoint_from
    from validator.sources.bigquery.source import as_data_error

    clients = build_clients(None, endpoint_from(None))
    full = table if table.count(".") == 2 else f"{clients.project}.{table}"
    try:
        meta = clients.bigquery.get_table(full, timeout=60)
    except Exception as err:  # mapped to dqv's DataError kinds, with the reason
        raise as_data_error(err, f"table {full}", None) from None
    timed = meta.time_partitioning
    if timed is None:
        return None
    return str(timed.field) if timed.field else "_PARTITIONDATE"


def _local_source(request: InitRequest) -> str:
    path = request.path or ""
    lines = ["  kind: local", f"  path: {path}"]
    folder = request.project_dir / path
    if request.partition_column:
        lines += ["  partition:", f"    column: {request.partition_column}"]
    elif "{ds}" not in path and folder.is_dir() and any(folder.glob("ds=*")):
        lines += ["  partition:", "    hive_key: ds             # PATH/ds=YYYY-MM-DD/…"]
    lines += ["  # columns: [user_id, age]           # read only these"]
    return "\n".join(lines)


def init_command(request: InitRequest) -> int:
    from validator.cli.schema import infer

    if not JOB_NAME.match(request.name):
        raise ConfigError(f"'{request.name}' is not a job name; use lower-case letters, digits, "
                          "'_' and '-' (at most 63)")
    project = request.project_dir
    job_file = project / "jobs" / f"{request.name}.yaml"
    schema_file = project / "schemas" / f"{request.name}.pbtxt"
    routes_file = project / "alerts" / "routes.yaml"
    for existing in (job_file, schema_file):
        if existing.exists():
            raise ConfigError(f"{existing} exists; dqv init never overwrites (pick another "
                              "name or remove the file)")
    source = _bigquery_source(request) if request.bigquery else _local_source(request)
    text = JOB_TEMPLATE.format(name=request.name, source=source)
    job_file.parent.mkdir(parents=True, exist_ok=True)
    job_file.write_text(text, encoding="utf-8")
    try:
        job = load_job(job_file)
        schema = infer(job, request.ds)
    except BaseException:
        job_file.unlink()  # nothing half-made stays behind
        raise
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_text(schema.to_text(), encoding="utf-8")  # the draft, with its PROPOSED notes
    print(f"wrote  {job_file}")
    print(f"wrote  {schema_file}   (a draft: {len(schema.schema.feature)} features; review the "
          "PROPOSED comments)")
    if not routes_file.exists():
        routes_file.parent.mkdir(parents=True, exist_ok=True)
        routes_file.write_text(ROUTES_TEMPLATE, encoding="utf-8")
        print(f"wrote  {routes_file}")
    ds = f" --ds {request.ds.isoformat()}" if request.ds else ""
    where = "" if project == pathlib.Path(".") else f" --project-dir {project}"
    print("\nnext:")
    print(f"  dqv validate-config{where}")
    print(f"  dqv run {request.name}{ds}{where}")
    print(f"  dqv gate {request.name}{ds} --json{where}   (what a pipeline calls before training)")
    return 0
