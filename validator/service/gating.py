"""The gate in the service: answers from the history come from memory, and concurrent gate
calls that need a run share one (README "dqv serve").

- `RunCache` keeps, per job, the latest finished run of each ds, read from the store once and
  dropped when a run of the job finishes (or after `ttl_seconds`, so runs written by other
  processes, e.g. `dqv run`, are seen); at most `max_jobs` jobs (least recently used go first).
- `Gatekeeper` holds one in-flight future per (job, ds): the first call that needs a run starts
  it (or waits for the job's run in progress), every later call for that job and ds joins it.
  A call for a ds that is being re-run waits for that run and never answers from an older one.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from validator.config.job import Job
from validator.core.record import RunRecord, utc_now
from validator.errors import DqvError
from validator.history.store import RunStore
from validator.run import gate
from validator.service.state import ServiceState

T = TypeVar("T")
Latest = dict[str, RunRecord]  # ds -> the latest finished run of that ds


class RunCache:
    def __init__(self, open_store: Callable[[], RunStore], on_read: Callable[[str], None], *,
                 max_jobs: int = 256, ttl_seconds: float = 30.0) -> None:
        self._open_store, self._on_read = open_store, on_read
        self._max_jobs, self._ttl = max_jobs, ttl_seconds
        self._entries: collections.OrderedDict[str, tuple[float, Latest]] = collections.OrderedDict()
        self._generation: dict[str, int] = collections.defaultdict(int)
        self._lock = threading.Lock()

    def lookup(self, job: str) -> Latest | None:
        """The cached runs of `job`, or None (then `fill` reads them)."""
        with self._lock:
            entry = self._entries.get(job)
            if entry is None or time.monotonic() - entry[0] > self._ttl:
                return None
            self._entries.move_to_end(job)
            return entry[1]

    def fill(self, job: str) -> Latest:
        """Read the job's finished runs from the store (blocking) and keep them."""
        with self._lock:
            generation = self._generation[job]
        self._on_read(job)
        latest: Latest = {}
        for record in self._open_store().runs(job):
            if record.is_finished and record.ds is not None:
                seen = latest.get(record.ds)
                if seen is None or record.started_at >= seen.started_at:
                    latest[record.ds] = record
        with self._lock:
            if self._generation[job] == generation:  # no run finished while we read
                self._entries[job] = (time.monotonic(), latest)
                self._entries.move_to_end(job)
                while len(self._entries) > self._max_jobs:
                    self._entries.popitem(last=False)
        return latest

    def invalidate(self, job: str) -> None:
        with self._lock:
            self._generation[job] += 1
            self._entries.pop(job, None)


class Gatekeeper:
    def __init__(self, state: ServiceState, cache: RunCache, timeout_seconds: float) -> None:
        self.state, self.cache, self.timeout = state, cache, timeout_seconds
        # Drivers wait for runs (one per job and ds in flight); readers only read the store.
        self._pool = concurrent.futures.ThreadPoolExecutor(64, thread_name_prefix="dqv-gate")
        self._readers = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="dqv-read")
        self._inflight: dict[tuple[str, dt.date], concurrent.futures.Future[RunRecord]] = {}
        self._filling: dict[str, asyncio.Future[Latest]] = {}
        self._lock = threading.Lock()

    async def verdict(self, job: Job, ds: dt.date, max_age: dt.timedelta | None) -> gate.GateVerdict:
        name = job.name
        if not self.state.busy_with(name, ds):  # a re-run of ds in progress answers, not history
            latest = self.cache.lookup(name)
            if latest is None:
                latest = await self._fill(name)
            found = latest.get(ds.isoformat())
            fresh = gate.fresh_run([found] if found else [], ds, max_age, utc_now())
            if fresh is not None:
                return gate.verdict_from_record(job, fresh, "history")
        record = await _wait(self._join_or_start(job, ds), self.timeout)
        return gate.verdict_from_record(self.state.job(name) or job, record, "new_run")

    async def _fill(self, name: str) -> Latest:
        """One store read per job at a time, however many calls wait for it (event loop only)."""
        pending = self._filling.get(name)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = asyncio.ensure_future(loop.run_in_executor(self._readers, self.cache.fill, name))
            self._filling[name] = pending
            pending.add_done_callback(lambda _: self._filling.pop(name, None))
        return await asyncio.shield(pending)

    def _join_or_start(self, job: Job, ds: dt.date) -> concurrent.futures.Future[RunRecord]:
        key = (job.name, ds)
        with self._lock:
            future = self._inflight.get(key)
            if future is None:
                future = self._inflight[key] = concurrent.futures.Future()
                try:
                    self._pool.submit(self._drive, job, ds, future)
                except RuntimeError:  # the service is stopping: nobody may wait on this one
                    del self._inflight[key]
                    future.set_exception(DqvError("the service is stopping; no new runs"))
        return future

    def _drive(self, job: Job, ds: dt.date, future: concurrent.futures.Future[RunRecord]) -> None:
        try:
            outcome: RunRecord | BaseException = self._run_or_join(job, ds)
        except BaseException as err:
            outcome = err
        with self._lock:
            self._inflight.pop((job.name, ds), None)
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def _run_or_join(self, job: Job, ds: dt.date) -> RunRecord:
        """Run `job` for `ds` through the worker pool (no overlapping runs), or, when the job
        is busy, wait for it; a run of `ds` that finished meanwhile answers."""
        since = utc_now().isoformat()
        deadline = time.monotonic() + self.timeout  # one limit for the request
        while True:
            left = deadline - time.monotonic()
            if self.state.job(job.name) is None:
                raise DqvError(f"job '{job.name}' was removed by a reload")
            if left <= 0:
                raise DqvError(f"no verdict within {self.timeout:g} s; ask again later")
            submitted = self.state.submit(job.name, [ds], "gate")
            if submitted is not None:
                record = submitted.result(timeout=left)
                if record is None:
                    raise DqvError("the service stopped before the run finished")
                return record
            if self.state.closing:
                raise DqvError("the service is stopping; no new runs")
            self.state.wait_idle(job.name, left)
            joined = self.cache.fill(job.name).get(ds.isoformat())
            if joined is not None and joined.ended_at is not None and joined.ended_at >= since:
                return joined

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._readers.shutdown(wait=False, cancel_futures=True)


async def _wait(future: concurrent.futures.Future[T], timeout: float) -> T:
    """Await a future shared by many callers; a caller giving up never cancels it."""
    loop = asyncio.get_running_loop()
    mine: asyncio.Future[T] = loop.create_future()

    def relay(done: concurrent.futures.Future[T]) -> None:
        def settle() -> None:
            if mine.done():
                return
            error = done.exception()
            if error is not None:
                mine.set_exception(error)
            else:
                mine.set_result(done.result())
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop closed: nobody waits any more
            pass

    future.add_done_callback(relay)
    try:
        return await asyncio.wait_for(mine, timeout)
    except TimeoutError:
        raise DqvError(f"no verdict within {timeout:g} s; ask again later") from None
