"""`dqv serve`: start, run until SIGTERM/SIGINT, reload on SIGHUP.

A broken job file at start is a config error (exit 2). On SIGHUP all job files are read again;
if any is broken the error is logged, shown in /healthz and counted, and the previous
configuration stays in force (all or nothing). On SIGTERM the service stops scheduling, waits up
to --grace-seconds for running jobs, stops the ones still running (their processes record them
as interrupted, not evaluated), and exits 0.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
import queue
import signal
import sys

from validator.config.job import Job, all_job_files, load_job
from validator.errors import ConfigError
from validator.history import open_store
from validator.service.api import Api
from validator.service.http import HttpServer
from validator.service.metrics import ServiceMetrics
from validator.service.scheduler import JobScheduler
from validator.service.state import RunEnv, ServiceState

log = logging.getLogger("dqv")


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    project_dir: pathlib.Path
    artifact_root: pathlib.Path
    host: str = "127.0.0.1"
    port: int = 8787
    workers: int = 2
    grace_seconds: float = 60.0
    token: str | None = None


def load_jobs(project_dir: pathlib.Path) -> dict[str, Job]:
    """Every job file, or ConfigError for the first broken one."""
    files = all_job_files(project_dir)
    if not files:
        raise ConfigError(f"no job files found in {project_dir / 'jobs'}")
    from validator.notify.pushgateway import check_metrics_settings

    jobs = {job.name: job for job in (load_job(f) for f in files)}
    for job in jobs.values():
        check_metrics_settings(job)  # else every run of the job would end not evaluated
    return jobs


def _run_env(root: pathlib.Path) -> RunEnv:
    """The history, opened once: the service reads it; its runs' child processes write it."""
    store = open_store(root)
    return RunEnv(artifact_root=root, open_store=lambda _root: store)


def _reload(options: ServeOptions, state: ServiceState, scheduler: JobScheduler) -> None:
    try:
        jobs = load_jobs(options.project_dir)
    except ConfigError as err:
        state.reload_failed(str(err))
        log.error("reload failed: %s; keeping the previous configuration", err)
        return
    previous = state.jobs()
    try:
        scheduler.apply(jobs)  # first: once /jobs shows the new jobs, their schedules are in force
        removed = state.replace_jobs(jobs)  # publishes the jobs and counts the reload at once
    except Exception as err:  # a store or I/O error must not take the running service down
        scheduler.apply(previous)
        state.reload_failed(f"reload failed: {err}")
        log.exception("reload failed; the service keeps running")
        return
    log.info("reloaded %d job(s): %s%s", len(jobs), ", ".join(sorted(jobs)),
             f" (removed: {', '.join(removed)})" if removed else "")


def serve(options: ServeOptions) -> int:
    jobs = load_jobs(options.project_dir)
    if options.workers < 1:
        raise ConfigError("--workers must be at least 1")
    metrics = ServiceMetrics()
    state = ServiceState(jobs, _run_env(options.artifact_root), metrics, options.workers)
    scheduler = JobScheduler(state)
    scheduler.apply(jobs)
    server = HttpServer(options.host, options.port, Api(state, scheduler, options.token))
    events: queue.Queue[str] = queue.Queue()
    signal.signal(signal.SIGTERM, lambda *_: events.put("stop"))
    signal.signal(signal.SIGINT, lambda *_: events.put("stop"))
    signal.signal(signal.SIGHUP, lambda *_: events.put("reload"))
    server.start()
    scheduler.start()
    log.info("listening on http://%s:%d (%d job(s), %d worker(s)%s)", options.host, server.port,
             len(jobs), options.workers, ", bearer token required" if options.token else "")
    scheduler.catch_up()
    while True:
        try:
            event = events.get(timeout=1.0)  # a timeout keeps signal delivery prompt
        except queue.Empty:
            continue
        if event == "reload":
            _reload(options, state, scheduler)
        elif event == "stop":
            break
    log.info("stopping: waiting up to %gs for running jobs", options.grace_seconds)
    scheduler.stop()
    interrupted = state.drain(options.grace_seconds)
    server.stop()
    log.info("stopped (%d run(s) recorded as interrupted)", len(interrupted))
    if interrupted:
        # Gate threads may still wait on the stopped runs; everything is recorded already.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0
