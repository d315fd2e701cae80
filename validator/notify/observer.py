"""The observer protocol: what every integration (Prometheus Pushgateway, Slack) implements to
be told about finished runs. The runner depends on this protocol, never on an integration."""

from __future__ import annotations

from typing import Protocol

from validator.config.job import Job
from validator.core.result import RunResult


class RunObserver(Protocol):
    """Told about every finished run. Must not raise for delivery problems it can describe;
    anything raised is recorded as a delivery failure and never changes the verdict."""

    name: str

    def run_finished(self, job: Job, result: RunResult) -> None: ...
