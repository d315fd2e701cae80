"""The observers a run tells about its result, built explicitly from config and environment.

Each integration (Prometheus Pushgateway, Slack) adds one line here; there is no registry.
"""

from __future__ import annotations

from validator.config.job import Job
from validator.notify.pushgateway import metrics_observer
from validator.notify.slack.setup import slack_observer
from validator.run.runner import RunObserver, RunSettings


def build_observers(job: Job, settings: RunSettings) -> list[RunObserver]:
    observers: list[RunObserver] = []
    metrics = metrics_observer(job, settings)  # Prometheus Pushgateway, when configured
    if metrics is not None:
        observers.append(metrics)
    slack = slack_observer(job, settings.artifact_root)  # when a token/webhook is set and the job routed
    if slack is not None:
        observers.append(slack)
    return observers
