"""Builds the Slack observer for a job from the environment and alerts/routes.yaml, and
the `dqv alerts flush` command. Kept apart so `observers.py` stays one line per integration."""

from __future__ import annotations

import contextlib
import logging
import pathlib

from validator.config.job import Job
from validator.errors import ConfigError, DeliveryError
from validator.history.store import RunStore
from validator.notify.slack.notifier import SlackNotifier, flush
from validator.notify.slack.routes import Routes, load_routes, routes_path
from validator.notify.slack.state import AlertStore
from validator.notify.slack.transport import TOKEN_ENV, WEBHOOK_ENV, SlackSettings, build_transport

log = logging.getLogger("dqv")


def slack_observer(job: Job, artifact_root: pathlib.Path, run_store: RunStore | None = None,
                   settings: SlackSettings | None = None) -> SlackNotifier | None:
    """`run_store`: the run history the run already opened; threads and the outbox live in the
    same ML Metadata database and share its connection."""
    settings = settings or SlackSettings.from_env()
    path = routes_path(job.project_dir)
    if not settings.configured:
        _warn_unconfigured(job, path)
        return None
    if not path.is_file():
        log.warning("slack: %s is set but %s does not exist; no Slack alerts",
                    TOKEN_ENV if settings.token else WEBHOOK_ENV, path)
        return None
    routes: Routes | ConfigError
    try:
        routes = load_routes(path)
    except ConfigError as err:
        log.error("slack: %s", err)
        routes = err  # the run goes on; the notifier records the problem
    else:
        if not routes.is_routed(job.name):
            return None

    def store() -> AlertStore:
        from validator.history.mlmd_store import MlmdRunStore
        from validator.notify.slack.mlmd_state import MlmdAlertStore

        if isinstance(run_store, MlmdRunStore):
            return MlmdAlertStore(run_store.session)
        return MlmdAlertStore.open(artifact_root)

    return SlackNotifier(routes, settings, store=store, transport=lambda: build_transport(settings),
                         lock=lambda: outbox_lock(artifact_root))


def _warn_unconfigured(job: Job, path: pathlib.Path) -> None:
    """Routes without a credential: say so instead of staying silently off."""
    try:
        routed = path.is_file() and load_routes(path).is_routed(job.name)
    except ConfigError:
        routed = True  # a broken routes file means someone meant to route; validate-config says why
    if routed:
        log.warning("slack: %s routes job %s but neither %s nor %s is set; no Slack alerts",
                    path, job.name, TOKEN_ENV, WEBHOOK_ENV)


def outbox_lock(artifact_root: pathlib.Path) -> contextlib.AbstractContextManager[None]:
    """Serializes notifiers and `dqv alerts flush` on one host (`dqv serve` runs jobs in
    parallel): two of them flushing at once would post the same message twice."""
    from validator.history import locks

    return locks.exclusive(locks.lock_dir(artifact_root) / "slack-outbox.lock",
                           waiting_message="slack: waiting for another notifier")


def flush_command(artifact_root: pathlib.Path) -> int:
    from validator.notify.slack.mlmd_state import MlmdAlertStore

    settings = SlackSettings.from_env()
    store = MlmdAlertStore.open(artifact_root)
    with outbox_lock(artifact_root):
        if not store.pending():
            print("outbox empty: nothing to deliver")
            return 0
        result = flush(store, settings)
    print(f"delivered {result.delivered}, set aside {result.set_aside}, waiting {result.waiting}")
    if result.waiting:
        raise DeliveryError(f"{result.error}; {result.waiting} message(s) still wait in the outbox")
    return 0


def check_routes(project_dir: pathlib.Path) -> pathlib.Path | None:
    """For `dqv validate-config`: parse alerts/routes.yaml when there is one."""
    path = routes_path(project_dir)
    if not path.is_file():
        return None
    load_routes(path)
    return path
