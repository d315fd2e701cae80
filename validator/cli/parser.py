"""The `dqv` argument parser: every command, option and help text (descriptions, examples
and exit codes are added by helptext.py). Kept apart from the command handlers in main.py."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib

from validator import __version__
from validator.cli import helptext
from validator.errors import ConfigError

DS_HELP = "the partition date: YYYY-MM-DD, today, yesterday or -N (N days ago), in the job's " \
          "schedule timezone (UTC when none)"


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from None


def _ds_text(text: str) -> str:
    from validator.config.schedule import check_ds_text

    try:
        return check_ds_text(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _duration(text: str) -> dt.timedelta:
    from validator.run.gate import parse_max_age

    try:
        return parse_max_age(text)
    except ConfigError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration; write e.g. '90s', '5m', "
                                         "'2h'") from None


def resolve_ds_arg(text: str | None, tz: str) -> dt.date | None:
    """--ds as a date; `today` is taken in `tz` (the job's schedule timezone, or UTC)."""
    from validator.config.schedule import resolve_ds
    from validator.core.record import utc_now

    return resolve_ds(text, tz, utc_now()) if text is not None else None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project-dir", type=pathlib.Path,
                        default=pathlib.Path(os.environ.get("DQV_PROJECT_DIR", ".")),
                        help="directory holding jobs/ and schemas/ (env DQV_PROJECT_DIR; default .)")
    parser.add_argument("--artifact-root", type=pathlib.Path, default=None,
                        help="where runs write statistics and anomalies (env DQV_ARTIFACT_ROOT; "
                             "default PROJECT_DIR/dqv-artifacts)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("--new-store", action="store_true",
                        help="start a new run history if the store is missing or empty although "
                             "the artifact root holds runs (env DQV_NEW_STORE=1)")


def _engine_args(parser: argparse.ArgumentParser) -> None:
    from validator.config.job import engine_names

    parser.add_argument("--engine", choices=engine_names(),
                        help="statistics engine; overrides the job's 'engine' "
                             "(docs/engines-and-benchmarks.md)")
    parser.add_argument("--beam-option", action="append", default=[], metavar="OPTION",
                        help="a Beam pipeline option for engine beam, e.g. --beam-option="
                             "--runner=DataflowRunner (repeatable; after the job's beam_options)")


def build_parser() -> argparse.ArgumentParser:
    parser = helptext.HelpfulParser(prog="dqv")
    parser.add_argument("--version", action="version", version=f"dqv {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="validate one partition of a job's data")
    run.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    run.add_argument("--ds", type=_ds_text, help=DS_HELP + "; required for partitioned jobs (a "
                     "partition block, {ds} in a path or table, @ds in a query)")
    run.add_argument("--json", action="store_true", help="print the run record as JSON")
    _common(run)
    _engine_args(run)

    backfill = sub.add_parser("backfill", help="run a job for every day of a date range, in order")
    backfill.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    backfill.add_argument("--start", type=_date, required=True, help="first ds, YYYY-MM-DD")
    backfill.add_argument("--end", type=_date, required=True, help="last ds (inclusive)")
    backfill.add_argument("--json", action="store_true", help="print the run records as JSON")
    backfill.add_argument("--alerts", choices=("summary", "each"), default="summary",
                          help="Slack: one summary at the end (default) or a message per day")
    _common(backfill)
    _engine_args(backfill)

    schema = sub.add_parser("schema", help="propose or compare schemas from data")
    schema_sub = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    infer = schema_sub.add_parser("infer", help="propose a schema from a partition (tfdv.infer_schema)")
    infer.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    infer.add_argument("--ds", type=_ds_text, help=DS_HELP + "; the partition to learn from "
                       "(required for partitioned jobs)")
    infer.add_argument("--write", action="store_true",
                       help="write the draft to the job's schema path (prints the diff; an "
                            "existing file is replaced only with --force)")
    infer.add_argument("--force", action="store_true", help="with --write: replace an existing schema")
    _common(infer)
    diff = schema_sub.add_parser("diff", help="what the data suggests that the curated schema does not say")
    diff.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    diff.add_argument("--ds", type=_ds_text, help=DS_HELP + "; the partition to compare "
                      "(required for partitioned jobs)")
    diff.add_argument("--json", action="store_true", help="print the suggestions as JSON")
    _common(diff)

    gate = sub.add_parser("gate", help="may I train on this ds? answer from history or run now")
    gate.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    gate.add_argument("--ds", type=_ds_text, required=True, help=DS_HELP)
    gate.add_argument("--wait", type=_duration, default=None, metavar="DURATION",
                      help="while the data is not ready, check again for this long (e.g. 2h); "
                           "then exit 3")
    gate.add_argument("--poll", type=_duration, default=dt.timedelta(minutes=5), metavar="DURATION",
                      help="with --wait: time between checks (default 5m)")
    gate.add_argument("--max-age", default=None,
                      help="answer from a run no older than this ('0', '30m', '6h', '2d'); "
                           "default: any finished evaluated run of the ds")
    gate.add_argument("--json", action="store_true", help="print the verdict as JSON")
    _common(gate)

    serve = sub.add_parser("serve", help="run jobs on their schedules; HTTP gate, status, metrics")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--workers", type=int, default=2, help="runs at the same time (default 2)")
    serve.add_argument("--grace-seconds", type=float, default=60.0,
                       help="on SIGTERM, wait this long for running jobs, then record them as "
                            "interrupted (default 60)")
    _common(serve)

    alerts = sub.add_parser("alerts", help="Slack alerts (docs/slack.md)")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    _common(alerts_sub.add_parser("flush", help="deliver the Slack alerts waiting in the outbox, in order"))

    history = sub.add_parser("history", help="a job's runs from the run history (ML Metadata)")
    history.add_argument("job", help="job name (or path to its job file)")
    history.add_argument("--last", type=int, metavar="N", help="only the last N ds (runs with --all)")
    history.add_argument("--all", action="store_true", dest="all_runs",
                         help="every run, also those a later re-run of the same ds superseded")
    history.add_argument("--json", action="store_true", help="print the runs as JSON")
    _common(history)
    show = sub.add_parser("show", help="one run: anomalies, statistics, comparison with its baseline")
    show.add_argument("run_id", help="a run id, as `dqv history` lists them")
    show.add_argument("--json", action="store_true", help="print the details as JSON")
    _common(show)

    report = sub.add_parser("report", help="the day's data-quality report (HTML) and Slack digest")
    report.add_argument("--date", type=_ds_text, default="yesterday",
                        help="the day: YYYY-MM-DD, today, yesterday (default) or -N, in UTC")
    report.add_argument("--by", choices=("ds", "run_day"), default="ds",
                        help="match runs by their partition date (ds, default) or by the UTC "
                             "day they ran (run_day)")
    report.add_argument("--out", type=pathlib.Path,
                        help="the HTML file (default ARTIFACT_ROOT/reports/dqv-report-DATE.html, "
                             "with --by run_day dqv-report-run-day-DATE.html)")
    report.add_argument("--slack", metavar="CHANNEL",
                        help="also post the day's digest to this Slack channel (token from "
                             "DQV_SLACK_BOT_TOKEN)")
    report.add_argument("--report-url", help="where readers find the report, for the digest "
                                             "(env DQV_REPORT_URL; default: the file path)")
    _common(report)

    from validator.cli import backtest

    backtest.add_parser(sub, _common, _date)

    check = sub.add_parser("validate-config", help="parse every job and schema (for CI)")
    check.add_argument("files", nargs="*", type=pathlib.Path, help="job files (default: jobs/*.yaml)")
    _common(check)
    from validator.cli import init

    init.add_parser(sub, _common, _date)
    helptext.decorate(parser)
    return parser


