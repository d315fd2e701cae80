"""`dqv backtest JOB --start D --end D [--set KEY=VALUE ...] [--json]`: replay the job's
monitors over its recorded metric history, without reading any data, and say per day what
would have fired (validator/core/backtest.py; docs/monitors.md "Tuning with backtest")."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from validator.config.job import Job
from validator.core.backtest import Backtest, ReplayDay, replay
from validator.core.monitor_settings import MonitorsConfig
from validator.errors import ConfigError

HELP = "replay the job's monitors over its recorded metric history (reads no data)"


def add_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None],
               date: Callable[[str], dt.date]) -> None:
    parser = sub.add_parser("backtest", help=HELP)
    parser.add_argument("job", help="job name (jobs/NAME.yaml) or path to a job file")
    parser.add_argument("--start", type=date, required=True, help="first ds, YYYY-MM-DD")
    parser.add_argument("--end", type=date, required=True, help="last ds (inclusive)")
    parser.add_argument("--set", action="append", default=[], dest="settings",
                        metavar="KEY=VALUE",
                        help="override a monitors setting, e.g. volume.sensitivity=4, "
                             "volume.seasonality=none, columns.0.min_change=0.01 (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the replay as JSON")
    common(parser)


def _assign(target: Any, path: list[str], value: Any, key: str) -> None:
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(target, list):
            if not part.isdigit() or int(part) >= len(target):
                raise ConfigError(f"--set {key}: '{part}' is not an index of the list "
                                  f"(0..{len(target) - 1})")
            if last:
                target[int(part)] = value
            else:
                target = target[int(part)]
        elif isinstance(target, dict):
            if part not in target:
                raise ConfigError(f"--set {key}: no setting '{part}' (known: "
                                  f"{', '.join(sorted(target))})")
            if last:
                target[part] = value
            else:
                target = target[part]
        else:
            raise ConfigError(f"--set {key}: '{part}' is below a value, not a setting")


def with_settings(config: MonitorsConfig, assignments: Sequence[str]) -> MonitorsConfig:
    """The job's monitors block with `KEY=VALUE` overrides (values read as YAML)."""
    data = config.model_dump()
    for item in assignments:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item}: write KEY=VALUE, e.g. volume.sensitivity=4")
        _assign(data, key.split("."), yaml.safe_load(text), key)
    try:
        return MonitorsConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"--set: {where}: {first['msg']}") from None


def _line(day: ReplayDay) -> str:
    fired = [f for f in day.findings if f.severity.value != "ignore"]
    volume = next((r for r in day.results if r.key == "volume"), None)
    if fired:
        verdict = "BLOCK" if day.would_block else "WARN"
        detail = "; ".join(f"{f.anomaly_type} {f.severity.value}: {f.description}" for f in fired)
    else:
        verdict = "learn" if volume is not None and volume.status == "learning" else "ok"
        detail = volume.message if volume is not None else ""
    return f"{day.ds.isoformat()}  {verdict:<5}  {detail}"


def render(result: Backtest) -> str:
    lines = [_line(day) for day in result.days]
    return "\n".join([*lines, "", result.summary()])


def backtest_command(job: Job, store: object, args: argparse.Namespace) -> int:
    from validator.history.metric_history import open_for

    if args.end < args.start:
        raise ConfigError("--end is before --start; swap them")
    config = with_settings(job.monitors, args.settings)
    history = open_for(store)
    if history is None:
        raise ConfigError("this run store keeps no metric history")
    read_from = args.start - dt.timedelta(days=config.read_days)
    points = history.points(job.name, read_from, args.end + dt.timedelta(days=1))
    result = replay(points, args.start, args.end, config, job.severity, job.waivers)
    if args.json:
        print(json.dumps({"job": job.name, "start": args.start.isoformat(),
                          "end": args.end.isoformat(), "settings": config.model_dump(),
                          "days": [d.to_json() for d in result.days],
                          "fired_days": [d.isoformat() for d in result.fired_days],
                          "missing_days": [d.isoformat() for d in result.missing_days],
                          "summary": result.summary()}, indent=2, sort_keys=True))
    else:
        print(render(result))
    return 0


def run(args: argparse.Namespace, job: Job, artifact_root: pathlib.Path) -> int:
    from validator.history import open_store

    return backtest_command(job, open_store(artifact_root), args)
