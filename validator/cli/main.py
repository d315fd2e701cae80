"""The `dqv` command line. Heavy modules (TensorFlow via TFDV) are imported inside the
commands that need them, so `dqv --help` and config checks answer at once.

Exit codes: 0 pass (warnings allowed), 1 blocked, 2 not evaluated or a usage/config error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

from validator import __version__
from validator.core.text import terminal_safe
from validator.errors import ConfigError, DqvError

log = logging.getLogger("dqv")
EXIT_USAGE = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from None


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
    parser.add_argument("--engine", choices=("auto", "local", "beam"),
                        help="statistics engine; overrides the job's 'engine' (README \"Engines\")")
    parser.add_argument("--beam-option", action="append", default=[], metavar="OPTION",
                        help="a Beam pipeline option for engine beam, e.g. --beam-option="
                             "--runner=DataflowRunner (repeatable; after the job's beam_options)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dqv", description="dqv: the data-quality gate for ML training data.",
        epilog="Exit codes: 0 pass (warnings allowed), 1 blocked, 2 not evaluated or bad config.")
    parser.add_argument("--version", action="version", version=f"dqv {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="validate one partition of a job's data")
    run.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    run.add_argument("--ds", type=_date, help="the partition date, YYYY-MM-DD")
    run.add_argument("--json", action="store_true", help="print the run record as JSON")
    _common(run)
    _engine_args(run)

    backfill = sub.add_parser("backfill", help="run a job for every day of a date range, in order")
    backfill.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    backfill.add_argument("--start", type=_date, required=True, help="first ds, YYYY-MM-DD")
    backfill.add_argument("--end", type=_date, required=True, help="last ds (inclusive)")
    backfill.add_argument("--json", action="store_true", help="print the run records as JSON")
    _common(backfill)
    _engine_args(backfill)

    schema = sub.add_parser("schema", help="propose or compare schemas from data")
    schema_sub = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    infer = schema_sub.add_parser("infer", help="propose a schema from a partition (tfdv.infer_schema)")
    infer.add_argument("job")
    infer.add_argument("--ds", type=_date)
    infer.add_argument("--write", action="store_true", help="write it to the job's schema path")
    _common(infer)
    diff = schema_sub.add_parser("diff", help="what the data suggests that the curated schema does not say")
    diff.add_argument("job")
    diff.add_argument("--ds", type=_date)
    diff.add_argument("--json", action="store_true")
    _common(diff)

    gate = sub.add_parser("gate", help="may I train on this ds? answer from history or run now")
    gate.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    gate.add_argument("--ds", type=_date, required=True, help="the partition date, YYYY-MM-DD")
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

    alerts = sub.add_parser("alerts", help="Slack alerts (README \"Slack notifications\")")
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
    report.add_argument("--date", type=_date, required=True, help="the day, YYYY-MM-DD")
    report.add_argument("--by", choices=("ds", "run_day"), default="ds",
                        help="match runs by their partition date (ds, default) or by the UTC "
                             "day they ran (run_day)")
    report.add_argument("--out", type=pathlib.Path,
                        help="the HTML file (default ARTIFACT_ROOT/reports/dqv-report-DATE.html)")
    report.add_argument("--slack", metavar="CHANNEL",
                        help="also post the day's digest to this Slack channel (token from "
                             "DQV_SLACK_BOT_TOKEN)")
    report.add_argument("--report-url", help="where readers find the report, for the digest "
                                             "(env DQV_REPORT_URL; default: the file path)")
    _common(report)

    check = sub.add_parser("validate-config", help="parse every job and schema (for CI)")
    check.add_argument("files", nargs="*", type=pathlib.Path, help="job files (default: jobs/*.yaml)")
    _common(check)
    return parser


class _SafeFormatter(logging.Formatter):
    """Log lines carry data values (file and column names): escaped like every print."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record), keep_newlines=True)


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("dqv: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def artifact_root(args: argparse.Namespace) -> pathlib.Path:
    if args.artifact_root:
        return pathlib.Path(args.artifact_root)
    env = os.environ.get("DQV_ARTIFACT_ROOT")
    return pathlib.Path(env) if env else args.project_dir / "dqv-artifacts"


def _load(args: argparse.Namespace) -> Any:
    from validator.config.job import find_job, load_job

    return load_job(find_job(args.job, args.project_dir))


def _run_days(args: argparse.Namespace, days: Sequence[dt.date | None]) -> int:
    from validator.cli import render, signals
    from validator.run.session import RunSession, exit_code
    from validator.run.settings import RunSettings

    job = _load(args)
    settings = RunSettings(artifact_root=artifact_root(args), progress=not args.quiet,
                           engine=getattr(args, "engine", None),
                           beam_options=tuple(getattr(args, "beam_option", ())))
    session = RunSession(settings)
    records = []
    for ds in days:
        result = session.run(job, ds)
        records.append(result.record)
        if not args.json:
            print(terminal_safe(render.run_summary(result.record), keep_newlines=True), flush=True)
        if signals.interrupted():
            break  # a backfill stops at the interrupted day
    if args.json:
        data = [r.to_json() for r in records]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=True))
    elif len(records) > 1:
        print()
        print(terminal_safe(render.backfill_summary(records), keep_newlines=True))
    return exit_code(job, records)


def cmd_run(args: argparse.Namespace) -> int:
    return _run_days(args, [args.ds])


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise ConfigError("--end is before --start; swap them")
    days = [args.start + dt.timedelta(days=n) for n in range((args.end - args.start).days + 1)]
    return _run_days(args, days)


def cmd_schema(args: argparse.Namespace) -> int:
    from validator.cli import schema as schema_tools

    job = _load(args)
    if args.schema_command == "infer":
        return schema_tools.infer_command(job, args.ds, write=args.write)
    return schema_tools.diff_command(job, args.ds, as_json=args.json)


def cmd_history(args: argparse.Namespace) -> int:
    from validator.cli.history import history_command
    from validator.history import open_store

    if args.last is not None and args.last < 1:
        raise ConfigError("--last must be at least 1")
    return history_command(open_store(artifact_root(args)), args.job, project_dir=args.project_dir,
                           last=args.last, all_runs=args.all_runs, as_json=args.json)


def cmd_show(args: argparse.Namespace) -> int:
    from validator.cli.show import show_command
    from validator.history import open_store

    return show_command(open_store(artifact_root(args)), args.run_id, as_json=args.json)


def cmd_validate_config(args: argparse.Namespace) -> int:
    from validator.config.job import all_job_files, load_job
    from validator.config.schema_io import load_schema

    files = args.files or all_job_files(args.project_dir)
    if not files:
        raise ConfigError(f"no job files found in {args.project_dir / 'jobs'}")
    errors = 0
    for file in files:
        try:
            job = load_job(file)
            load_schema(job.schema_path)
            print(f"ok     {file}")
        except ConfigError as err:
            errors += 1
            print(f"error  {terminal_safe(err)}")
    from validator.notify.slack.setup import check_routes

    try:
        routes = check_routes(args.project_dir)
        if routes is not None:
            print(f"ok     {routes}")
    except ConfigError as err:
        errors += 1
        print(f"error  {terminal_safe(err)}")
    return EXIT_USAGE if errors else 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from validator.notify.slack.setup import flush_command

    return flush_command(artifact_root(args))


def cmd_gate(args: argparse.Namespace) -> int:
    from validator.run import gate
    from validator.run.api import GateOptions, check

    max_age = gate.parse_max_age(args.max_age) if args.max_age is not None else None
    options = GateOptions(project_dir=args.project_dir, artifact_root=artifact_root(args),
                          max_age=max_age, progress=not args.quiet)
    verdict = check(args.job, args.ds, options)
    print(json.dumps(verdict.to_json(), indent=2, sort_keys=True) if args.json
          else terminal_safe(gate.summary(verdict), keep_newlines=True))
    return verdict.exit_code


def cmd_serve(args: argparse.Namespace) -> int:
    from validator.service.main import ServeOptions, serve

    return serve(ServeOptions(project_dir=args.project_dir, artifact_root=artifact_root(args),
                              host=args.host, port=args.port, workers=args.workers,
                              grace_seconds=args.grace_seconds,
                              token=os.environ.get("DQV_SERVE_TOKEN") or None))


def cmd_report(args: argparse.Namespace) -> int:
    from validator.report.command import ReportRequest, report_command

    return report_command(ReportRequest(
        project_dir=args.project_dir, artifact_root=artifact_root(args), date=args.date, by=args.by,
        out=args.out, slack_channel=args.slack, report_url=args.report_url))


RECORDED_ON_SIGTERM = ("run", "backfill", "gate")
COMMANDS = {
    "run": cmd_run,
    "backfill": cmd_backfill,
    "schema": cmd_schema,
    "validate-config": cmd_validate_config,
    "history": cmd_history,
    "show": cmd_show,
    "alerts": cmd_alerts,
    "gate": cmd_gate,
    "serve": cmd_serve,
    "report": cmd_report,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    if getattr(args, "new_store", False):
        os.environ["DQV_NEW_STORE"] = "1"
    if args.command in RECORDED_ON_SIGTERM:
        from validator.cli.signals import record_runs_on_sigterm

        record_runs_on_sigterm()
    try:
        return COMMANDS[args.command](args)
    except DqvError as err:
        print(f"dqv: error: {terminal_safe(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dqv: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # fail closed: a bug is "not evaluated" (2), never "blocked" (1)
        log.debug("internal error", exc_info=True)
        print(f"dqv: internal error ({err.__class__.__name__}: {terminal_safe(str(err))}); "
              "rerun with --verbose and report it", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
