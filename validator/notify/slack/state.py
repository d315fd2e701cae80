"""Alert threads and the outbox: what the notifier remembers between runs.

An alert's identity is (job, feature, anomaly type). While a job has open alerts in a
channel there is one open thread there; repeats go into it and a "resolved" reply closes
it. The outbox holds messages Slack did not take, in order, until they are delivered.
`AlertStore` is the interface; `mlmd_state.MlmdAlertStore` keeps it in the run history.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal, Protocol

# "unrouted": an alert that could not be routed yet (alerts/routes.yaml invalid); it waits in
# the outbox with the reason, and is routed and delivered once the routes are fixed.
Kind = Literal["open", "reply", "resolve", "unrouted"]


def alert_key(finding: dict[str, Any]) -> str:
    """The identity of an alert within its job: feature and anomaly type."""
    return f"{finding['feature']}\x1f{finding['anomaly_type']}"


@dataclasses.dataclass
class Thread:
    thread_id: str  # job/channel/run id of the run that opened it
    job: str
    channel: str  # as routed (#name or ID)
    opened_at: float  # epoch seconds
    open_keys: tuple[str, ...]  # alert keys reported so far and not cleared
    ts: str | None = None  # Slack's ts of the first message; None while it waits in the outbox
    channel_id: str | None = None  # the channel ID Slack answered with
    closed: bool = False


@dataclasses.dataclass
class OutboxEntry:
    job: str
    channel: str
    thread_id: str
    kind: Kind
    message: dict[str, Any]  # Message.to_json()
    created_at: float
    id: int | None = None  # assigned by the store; delivery order
    attempts: int = 0
    last_error: str = ""


class AlertStore(Protocol):
    def open_threads(self, job: str) -> list[Thread]: ...

    def thread(self, thread_id: str) -> Thread | None: ...

    def save_thread(self, thread: Thread) -> None: ...

    def enqueue(self, entry: OutboxEntry) -> None:
        """Append to the outbox; sets entry.id."""
        ...

    def pending(self) -> list[OutboxEntry]:
        """Undelivered entries, oldest first."""
        ...

    def settle(self, entry: OutboxEntry, *, delivered: bool, error: str = "") -> None:
        """Delivered, or given up for good (Slack rejected the message itself)."""
        ...

    def record_attempt(self, entry: OutboxEntry, error: str) -> None:
        """A delivery attempt failed for a reason that may pass (Slack down, bad token)."""
        ...
