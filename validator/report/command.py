"""`dqv report`: write the day's report page and, when asked, post the Slack digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import pathlib
from typing import Any

from validator.errors import ConfigError, DataError
from validator.report import build_report, default_report_path, write_day_report
from validator.report.data import DateKind

log = logging.getLogger("dqv")
REPORT_URL_ENV = "DQV_REPORT_URL"


@dataclasses.dataclass(frozen=True)
class ReportRequest:
    project_dir: pathlib.Path
    artifact_root: pathlib.Path
    date: dt.date
    by: DateKind = "ds"
    out: pathlib.Path | None = None
    slack_channel: str | None = None  # post the digest there
    report_url: str | None = None  # where readers find the report (else the file path)


def slack_client() -> Any:
    """A WebClient configured like the Slack notifier's (docs/slack.md): token
    and base URL from the environment only, slack_sdk's retry handlers (429 honouring
    Retry-After, 5xx, connection errors)."""
    from validator.notify.slack.transport import TOKEN_ENV, SlackSettings, web_client

    settings = SlackSettings.from_env()
    if not settings.token:
        raise ConfigError(f"--slack needs a Slack bot token in the environment variable {TOKEN_ENV}")
    return web_client(settings)


def _check_history(root: pathlib.Path) -> None:
    """A mistyped artifact root would otherwise show an empty report (and leave an empty
    metadata store behind): say so instead."""
    from validator.history.artifact_fs import exists, is_remote

    if not os.environ.get("DQV_METADATA") and not is_remote(root) and not exists(root):
        raise DataError(f"no run history: {root} does not exist; check --artifact-root "
                        "(or DQV_ARTIFACT_ROOT)")


def report_command(request: ReportRequest, client: Any = None) -> int:
    _check_history(request.artifact_root)
    report = build_report(request.project_dir, request.artifact_root, request.date, by=request.by)
    out = request.out or default_report_path(request.artifact_root, request.date, request.by)
    write_day_report(report, out)
    counts = ", ".join(f"{n} {o.value}" for o, n in report.counts().items() if n) or "no runs"
    print(f"report for {request.date.isoformat()} ({len(report.jobs)} job run(s): {counts}): {out}")
    if not report.jobs:
        log.warning("no job has a finished run for %s %s", "ds" if request.by == "ds" else "run day",
                    request.date.isoformat())
    if request.slack_channel:
        from validator.report.digest import digest_message, send_digest

        where = request.report_url or os.environ.get(REPORT_URL_ENV) or str(out.resolve())
        send_digest(client or slack_client(), request.slack_channel, digest_message(report, where))
        print(f"digest posted to {request.slack_channel}")
    return 0
