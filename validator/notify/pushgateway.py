"""Pushes each run's metrics to a Prometheus Pushgateway (the observer named "metrics").

One Pushgateway group per job (grouping key `job=<job name>`), pushed with PUT: a push replaces
every series of that job's group, so yesterday's anomalies and drift series disappear when today's
run no longer has them, and jobs never overwrite each other. The time of the last passing run
comes from the run history on every push, so a failing run (which replaces the whole group) still
publishes it, and a Pushgateway restarted without persistence is whole again after one run.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

from prometheus_client.exposition import basic_auth_handler, default_handler, push_to_gateway

from validator.config.job import Job
from validator.core.record import RunRecord
from validator.core.result import RunResult
from validator.errors import ConfigError, DeliveryError
from validator.notify.metrics import MetricContext, build_registry, last_passing_at

log = logging.getLogger("dqv")
ENV_URL = "DQV_PUSHGATEWAY_URL"
OBSERVER_NAME = "metrics"
STRICT_EXIT_CODE = 2
Handler = Callable[[str, str, float | None, list[tuple[str, str]], bytes], Callable[[], None]]


def pushgateway_url(job: Job, environ: Mapping[str, str]) -> str | None:
    """The job's own `metrics.pushgateway_url` wins over the environment's default."""
    return job.metrics.pushgateway_url or environ.get(ENV_URL) or None


def redact(url: str) -> str:
    """The URL without user:password, for messages and run.json."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _handler(url: str) -> Handler:
    """Basic auth from the URL's user:password (keep that URL in the environment, not in a job
    file); the credentials are sent in a header, never as part of the URL."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.username is None:
        return default_handler
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")

    def handler(url: str, method: str, timeout: float | None, headers: list[tuple[str, str]],
                data: bytes) -> Callable[[], None]:
        return basic_auth_handler(url, method, timeout, headers, data, user, password)

    return handler


class PushgatewayObserver:
    """Pushes the metric set of every finished run; raises DeliveryError when it cannot."""

    name = OBSERVER_NAME

    def __init__(self, url: str, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.timeout_seconds = timeout_seconds

    def run_finished(self, job: Job, result: RunResult) -> None:
        # The history and the schema as the run read them: nothing is read again here. A run
        # whose schema did not load has job-level metrics only.
        records = [*result.history, result.record]
        features = [f.name for f in result.schema.feature] if result.schema is not None else []
        context = MetricContext(job=job.name, features=features,
                                last_passing_at=last_passing_at(records),
                                expected_interval_seconds=job.metrics.expected_interval_seconds)
        registry = build_registry(result, context)
        try:
            # PUT (not pushadd's POST): the job's group is replaced as a whole.
            push_to_gateway(redact(self.url), job=job.name, registry=registry,
                            timeout=self.timeout_seconds, handler=_handler(self.url))
        except (OSError, ValueError) as err:
            reason = err.reason if isinstance(err, urllib.error.URLError) else err
            text = " ".join(str(reason).split())
            raise DeliveryError(f"cannot push metrics to the Pushgateway at {redact(self.url)} "
                                f"({text}); check that it is up and the URL in {ENV_URL} or the "
                                "job's metrics.pushgateway_url") from None


def check_metrics_settings(job: Job, environ: Mapping[str, str] = os.environ) -> None:
    """Strict metrics need somewhere to push; checked when jobs load (dqv serve refuses the
    config) and again when a run builds its observers."""
    if job.metrics.strict and pushgateway_url(job, environ) is None:
        raise ConfigError(f"metrics.strict is set but no Pushgateway URL is configured; set "
                          f"{ENV_URL} or metrics.pushgateway_url", file=str(job.file),
                          field="metrics.strict")


def metrics_observer(job: Job, environ: Mapping[str, str] = os.environ
                     ) -> PushgatewayObserver | None:
    """The observer when a Pushgateway is configured, else None (metrics are off)."""
    check_metrics_settings(job, environ)
    url = pushgateway_url(job, environ)
    if url is None:
        return None
    return PushgatewayObserver(url, timeout_seconds=job.metrics.timeout_seconds)


def strict_exit_code(job: Job, records: Sequence[RunRecord], code: int) -> int:
    """With `metrics.strict`, runs whose metrics were not delivered do not exit 0. The verdict
    in run.json is unchanged, and a blocked or not-evaluated exit code already says "stop"."""
    if code != 0 or not job.metrics.strict:
        return code
    failed = [r for r in records if r.delivery.get(OBSERVER_NAME, "ok") != "ok"]
    if failed:
        log.error("%s: metrics.strict: exit %d because the metrics of %d run(s) were not "
                  "pushed", job.name, STRICT_EXIT_CODE, len(failed))
        return STRICT_EXIT_CODE
    return code
