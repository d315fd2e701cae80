"""The observers a run tells about its result, built explicitly from config and environment.

Each integration (Prometheus Pushgateway, Slack) adds one line here; there is no registry.
They get the run store the session opened, never one of their own.
"""

from __future__ import annotations

from validator.config.job import Job
from validator.history.store import RunStore
from validator.notify.observer import RunObserver
from validator.notify.pushgateway import metrics_observer
from validator.notify.slack.setup import slack_observer
from validator.notify.slack.summary import BackfillSummary
from validator.run.settings import RunSettings


def build_observers(job: Job, settings: RunSettings, store: RunStore) -> list[RunObserver]:
    observers: list[RunObserver] = []
    metrics = metrics_observer(job)  # Prometheus Pushgateway, when configured
    if metrics is not None:
        observers.append(metrics)
    slack = slack_observer(job, settings.artifact_root, store)  # when a token/webhook is set and routed
    if slack is not None:
        observers.append(BackfillSummary(slack) if settings.slack_summary else slack)
    return observers
