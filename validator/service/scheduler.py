"""Jobs on their cron schedules (APScheduler), and the catch-up after downtime.

APScheduler only decides *when*; a fire hands the run to the service's worker pool at once, so
fires never wait for workers and the ds is derived from the fire's scheduled time.
Catch-up policy (README "dqv serve"): on start, for each scheduled job, the ds values of its
`schedule.catch_up` most recent scheduled days up to now that have no evaluated run in the
history are run, oldest first, as one queued task. While the service is up, a fire delayed by
more than `misfire_grace_seconds` (e.g. a suspended machine) is skipped, and several missed fires
of one job are coalesced into one run.
"""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.executors.pool import ThreadPoolExecutor as DispatchPool
from apscheduler.schedulers.background import BackgroundScheduler

from validator.config.job import Job
from validator.config.schedule import ds_of_fire, recent_scheduled_ds, trigger_for
from validator.core.record import utc_now
from validator.run.gate import fresh_run
from validator.service.state import ServiceState

log = logging.getLogger("dqv")


class JobScheduler:
    def __init__(self, state: ServiceState) -> None:
        self.state = state
        # Dispatch threads only hand runs over; the bounded run pool is the service's.
        self._scheduler = BackgroundScheduler(timezone=dt.UTC, executors={"default": DispatchPool(4)})

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def apply(self, jobs: dict[str, Job]) -> None:
        """Schedule exactly these jobs (a reload replaces every schedule)."""
        self._scheduler.remove_all_jobs()
        for name, job in sorted(jobs.items()):
            if job.schedule is None:
                continue
            self._scheduler.add_job(self._fire, trigger=trigger_for(job.schedule), args=[name],
                                    id=name, name=name, coalesce=True, max_instances=1,
                                    misfire_grace_time=job.schedule.misfire_grace_seconds)

    def next_run(self, name: str) -> dt.datetime | None:
        scheduled = self._scheduler.get_job(name)
        return getattr(scheduled, "next_run_time", None) if scheduled else None

    def _fire(self, name: str) -> None:
        job = self.state.job(name)
        if job is None or job.schedule is None:
            return
        ds = ds_of_fire(job.schedule, utc_now())
        if self.state.submit(name, [ds], "schedule") is None:
            self.state.metrics.skipped.labels(job=name).inc()
            log.warning("%s: scheduled run for ds=%s skipped: the job is still queued or running",
                        name, ds)

    def catch_up(self, now: dt.datetime | None = None) -> dict[str, list[dt.date]]:
        """Queue the missed ds values of every scheduled job; returns what was queued."""
        now = now or utc_now()
        queued: dict[str, list[dt.date]] = {}
        store = self.state.env.open_store(self.state.env.artifact_root)
        for name, job in sorted(self.state.jobs().items()):
            if job.schedule is None or job.schedule.catch_up == 0:
                continue
            runs = store.runs(name)
            missed = [d for d in recent_scheduled_ds(job.schedule, now, job.schedule.catch_up)
                      if fresh_run(runs, d, None, now) is None]
            if missed and self.state.submit(name, missed, "catch_up") is not None:
                queued[name] = missed
                log.info("%s: catching up ds %s", name, ", ".join(d.isoformat() for d in missed))
        return queued
