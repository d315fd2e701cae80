"""A RunStore wrapper that remembers the run in flight, so that a stopping service can record
a run it cannot wait for as interrupted (fail closed: not evaluated), and ignore whatever the
abandoned run would write afterwards."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from validator.core.outcome import Outcome
from validator.core.record import RunRecord, utc_now
from validator.history.store import RunStore


class TrackingStore:
    def __init__(self, inner: RunStore) -> None:
        self.inner = inner
        self.record: RunRecord | None = None
        self._cut = False
        self._written = False  # a final state reached the store
        self._stopped: RunRecord | None = None  # what interrupt() recorded
        self._lock = threading.Lock()

    def start(self, record: RunRecord) -> None:
        with self._lock:
            if self._cut:
                raise InterruptedError("the service is stopping")
            self.record = record
        # Not under the lock: a slow store must not hold up the drain (interrupt()).
        self.inner.start(record)
        with self._lock:
            if self._stopped is not None:  # interrupted meanwhile: that stays the last word
                self.inner.finish(self._stopped)
                raise InterruptedError("the service is stopping")

    def finish(self, record: RunRecord) -> None:
        with self._lock:
            if not self._cut:
                self.inner.finish(record)
                self._written = True

    def runs(self, job: str) -> list[RunRecord]:
        return self.inner.runs(job)

    def get(self, run_id: str) -> RunRecord | None:
        return self.inner.get(run_id)

    def last_passing(self, job: str, before_ds: str | None) -> RunRecord | None:
        return self.inner.last_passing(job, before_ds)

    def interrupt(self, reason: str, writer: Callable[[], RunStore]) -> RunRecord | None:
        """Record the run in flight as not evaluated; later writes of the run are dropped.
        `writer` opens a store for this thread (stores need not be shared across threads)."""
        with self._lock:
            self._cut = True
            if self.record is None or self._written:
                return None
            stopped = dataclasses.replace(self.record, outcome=Outcome.NOT_EVALUATED,
                                          error=reason, ended_at=utc_now().isoformat())
            writer().finish(stopped)
            self._stopped = stopped
            return stopped
