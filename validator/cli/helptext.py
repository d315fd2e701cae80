"""What `dqv … --help` says beyond the arguments: a one-line description, an example and the
exit codes of every command, and a parser that answers typos with "did you mean …?".

`decorate(parser)` is applied once to the tree main.build_parser builds, so the argument
definitions stay in one place and the prose stays here.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn

from validator.core.suggest import close_matches, did_you_mean

GATE_CODES = """exit codes:
  0  pass or warn: train (warnings are reported, they do not block)
  1  blocked: at least one anomaly has severity error
  2  not evaluated (unreadable data, a broken store, an outage), or a usage or config error
  3  not ready: the data has not landed yet (retry later; --wait checks again)"""
TOOL_CODES = """exit codes:
  0  done
  2  a usage or config error, or the command could not do its work"""

# command path -> (description, example lines, exit codes)
HELP: dict[str, tuple[str, str, str]] = {
    "dqv": ("dqv: the data-quality gate for ML training data. May I train on this data?",
            "dqv init events --bigquery analytics.events --partition-column ds --ds 2026-11-01\n"
            "dqv run events --ds 2026-11-01\n"
            "dqv gate events --ds 2026-11-01 --json\n"
            "dqv COMMAND --help          (each command's options, example and exit codes)",
            GATE_CODES),
    "init": ("Start a job: write jobs/NAME.yaml, a draft schema inferred from one partition, "
             "and alerts/routes.yaml if missing.",
             "dqv init events --bigquery analytics.events --partition-column ds --ds 2026-11-01\n"
             "dqv init events --path data/events --ds 2026-11-01      (PATH/ds=YYYY-MM-DD/…)",
             TOOL_CODES + "\n  (existing files are never overwritten: exit 2)"),
    "run": ("Validate one partition of a job's data and record the run.",
            "dqv run training_events --ds 2026-11-05\n"
            "dqv run training_events --ds 2026-11-05 --json > run.json",
            GATE_CODES),
    "backfill": ("Run a job for every day of a date range, in order (each day's drift baseline "
                 "is the last passing day before it).",
                 "dqv backfill training_events --start 2026-11-01 --end 2026-11-11",
                 GATE_CODES + "\n  (the worst code of all days)"),
    "schema": ("Let the data propose a schema, or compare it with the curated one.",
               "dqv schema infer training_events --ds 2026-11-01\n"
               "dqv schema diff training_events --ds 2026-11-09", TOOL_CODES),
    "schema infer": ("Propose a schema from one partition (tfdv.infer_schema); prints it, writes "
                     "the job's schema file only with --write.",
                     "dqv schema infer training_events --ds 2026-11-01 --write", TOOL_CODES),
    "schema diff": ("What the data suggests that the curated schema does not say: new or absent "
                    "features, type changes, unseen values, values outside ranges.",
                    "dqv schema diff training_events --ds 2026-11-09 --json", TOOL_CODES),
    "backtest": ("Replay the job's history monitors (volume, duplicates, freshness, column "
                 "metrics) over its recorded metric history, reading no data: what would have "
                 "fired, per day and in all.",
                 "dqv backtest training_events --start 2026-09-01 --end 2026-11-30\n"
                 "dqv backtest training_events --start 2026-09-01 --end 2026-11-30 "
                 "--set volume.sensitivity=4", TOOL_CODES),
    "gate": ("May I train on this ds? Answers from the run history (an evaluated run, young "
             "enough) or runs the job now.",
             "dqv gate training_events --ds 2026-11-05 --max-age 6h --json\n"
             "dqv gate training_events --ds yesterday --wait 2h --poll 5m   (until the data lands)",
             GATE_CODES),
    "serve": ("Run the jobs on their cron schedules and serve the gate, status, metrics and "
              "reports over HTTP (env DQV_SERVE_TOKEN: bearer token).",
              "dqv serve --port 8787 --workers 2",
              "exit codes:\n  0  stopped by SIGTERM or Ctrl-C\n  2  a config error at start"),
    "alerts": ("Slack alerts: deliver what waits in the outbox.", "dqv alerts flush", TOOL_CODES),
    "alerts flush": ("Deliver the Slack alerts waiting in the outbox, oldest first.",
                     "dqv alerts flush          (with DQV_SLACK_BOT_TOKEN set)",
                     "exit codes:\n  0  the outbox is empty now\n  2  some messages still wait"),
    "history": ("A job's runs from the run history (ML Metadata): the latest per ds, or every "
                "run with --all.", "dqv history training_events --last 7", TOOL_CODES),
    "show": ("One run: its anomalies, a per-feature statistics summary and the comparison with "
             "its drift baseline.", "dqv show 20261105T060000Z-4afc21", TOOL_CODES),
    "report": ("The day's data-quality report (one self-contained HTML file) and, with --slack, "
               "the day's Slack digest.",
               "dqv report --date 2026-11-11 --out report.html --slack '#data-quality'",
               TOOL_CODES),
    "validate-config": ("Parse every job file, its schema and alerts/routes.yaml (for CI).",
                        "dqv validate-config\ndqv validate-config jobs/events.yaml",
                        "exit codes:\n  0  all files are valid\n  2  at least one is not "
                        "(each error names file, line and field)"),
}
RUN_USAGE = ("dqv run JOB --ds YYYY-MM-DD [--json] [--engine {auto,local,beam}] "
             "[--beam-option OPTION] [common options]\n"
             "       (--ds is required for partitioned jobs; only a job reading one "
             "unpartitioned table or file may omit it)")


class HelpfulParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors suggest the closest command or option."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        namespace, extras = super().parse_known_args(args, namespace)
        unknown = [e for e in extras if e.startswith("-")]
        if unknown:  # this parser's own options are the ones to suggest
            options = [o for a in self._actions for o in a.option_strings]
            hints = "".join(did_you_mean(e.split("=", 1)[0], options) for e in unknown)
            self.error(f"unrecognized arguments: {' '.join(extras)}{hints}")
        return namespace, extras

    def error(self, message: str) -> NoReturn:
        match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if match:
            choices = re.findall(r"'([^']*)'", match.group(2))
            found = close_matches(match.group(1), choices)
            if found:
                message += "; did you mean " + " or ".join(f"'{f}'" for f in found) + "?"
        super().error(message)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def decorate(parser: argparse.ArgumentParser, path: str = "dqv") -> None:
    """Give `parser` and every subcommand its description, example and exit codes."""
    description, example, codes = HELP[path]
    parser.description = description
    parser.epilog = "example:\n  " + example.replace("\n", "\n  ") + f"\n\n{codes}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    if path == "run":
        parser.usage = RUN_USAGE
    for name, child in _subparsers(parser).items():
        decorate(child, name if path == "dqv" else f"{path} {name}")


def command_paths(parser: argparse.ArgumentParser, path: str = "dqv") -> list[str]:
    """Every command of the tree, as "run", "schema infer", … (for the help test and docs)."""
    out: list[str] = []
    for name, child in _subparsers(parser).items():
        full = name if path == "dqv" else f"{path} {name}"
        out.append(full)
        out.extend(command_paths(child, full))
    return out
