"""The `dqv` command line. Heavy modules (TensorFlow via TFDV) are imported inside the
commands that need them, so `dqv --help` and config checks answer at once.

Exit codes (validator/core/outcome.py): 0 pass (warnings allowed), 1 blocked, 2 not evaluated
or a usage/config error (nothing ran), 3 not ready (no data for the ds yet).
What `--help` says beyond the arguments (descriptions, examples, exit codes) is in helptext.py.
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

from validator.cli.parser import build_parser, resolve_ds_arg

__all__ = ["build_parser", "main"]  # build_parser: the tests and docs checks read the parser
from validator.core.outcome import EXIT_USAGE
from validator.core.text import terminal_safe
from validator.errors import ConfigError, DqvError
from validator.run.logs import setup_logging

log = logging.getLogger("dqv")


def artifact_root(args: argparse.Namespace) -> pathlib.Path:
    if args.artifact_root:
        return pathlib.Path(args.artifact_root)
    env = os.environ.get("DQV_ARTIFACT_ROOT")
    return pathlib.Path(env) if env else args.project_dir / "dqv-artifacts"


def _load(args: argparse.Namespace) -> Any:
    from validator.config.job import find_job, load_job

    return load_job(find_job(args.job, args.project_dir))


def _run_days(args: argparse.Namespace, days: Sequence[dt.date | None], job: Any = None) -> int:
    from validator.cli import render
    from validator.run import signals
    from validator.run.session import RunSession, exit_code, finish
    from validator.run.settings import RunSettings

    job = job or _load(args)
    from validator.run.preflight import check_ds

    for day in days:  # before the run history is even opened
        check_ds(job, day)
    settings = RunSettings(artifact_root=artifact_root(args), progress=not args.quiet,
                           engine=getattr(args, "engine", None),
                           beam_options=tuple(getattr(args, "beam_option", ())),
                           slack_summary=getattr(args, "alerts", "each") == "summary")
    session = RunSession(settings)
    records = []
    for ds in days:
        result = session.run(job, ds)
        records.append(result.record)
        if not args.json:
            print(terminal_safe(render.run_summary(result.record), keep_newlines=True), flush=True)
        if signals.interrupted():
            break  # a backfill stops at the interrupted day
    finish(session, job)
    if args.json:
        data = [r.to_json() for r in records]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=True))
    elif len(records) > 1:
        print()
        print(terminal_safe(render.backfill_summary(records), keep_newlines=True))
    return exit_code(job, records)


def cmd_run(args: argparse.Namespace) -> int:
    job = _load(args)
    return _run_days(args, [resolve_ds_arg(args.ds, job.timezone)], job)


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise ConfigError("--end is before --start; swap them")
    days = [args.start + dt.timedelta(days=n) for n in range((args.end - args.start).days + 1)]
    return _run_days(args, days)


def cmd_schema(args: argparse.Namespace) -> int:
    from validator.cli import schema as schema_tools

    job = _load(args)
    if args.schema_command == "infer":
        return schema_tools.infer_command(job, resolve_ds_arg(args.ds, job.timezone), write=args.write,
                                          force=args.force)
    return schema_tools.diff_command(job, resolve_ds_arg(args.ds, job.timezone), as_json=args.json)


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


def cmd_backtest(args: argparse.Namespace) -> int:
    from validator.cli import backtest

    return backtest.run(args, _load(args), artifact_root(args))


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
    job = _load(args)
    day = resolve_ds_arg(args.ds, job.timezone)
    assert day is not None  # --ds is required
    options = GateOptions(project_dir=args.project_dir, artifact_root=artifact_root(args),
                          max_age=max_age, progress=not args.quiet, wait=args.wait, poll=args.poll)
    verdict = check(job, day, options)
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
        project_dir=args.project_dir, artifact_root=artifact_root(args),
        date=resolve_ds_arg(args.date, "UTC") or dt.date.today(), by=args.by,
        out=args.out, slack_channel=args.slack, report_url=args.report_url))


def cmd_init(args: argparse.Namespace) -> int:
    from validator.cli.init import cmd_init as init

    return init(args)


RECORDED_ON_SIGTERM = ("run", "backfill", "gate")
COMMANDS = {
    "init": cmd_init,
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
    "backtest": cmd_backtest,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(verbose=args.verbose, quiet=args.quiet)
    if getattr(args, "new_store", False):
        os.environ["DQV_NEW_STORE"] = "1"
    if args.command in RECORDED_ON_SIGTERM:
        from validator.run.signals import record_runs_on_sigterm

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
