"""The service's HTTP endpoints (README "dqv serve"). With a token (env DQV_SERVE_TOKEN) every
endpoint but /healthz and /metrics needs `Authorization: Bearer TOKEN`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import http.server
import json
import logging
import time
import urllib.parse
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from validator.config.job import Job
from validator.config.schedule import ds_for
from validator.core.outcome import Outcome
from validator.core.record import RunRecord, utc_now
from validator.errors import DqvError
from validator.run import gate
from validator.service.metrics import ServiceMetrics
from validator.service.scheduler import JobScheduler
from validator.service.state import ServiceState

log = logging.getLogger("dqv")
GATE_STATUS = {Outcome.PASS: 200, Outcome.WARN: 200, Outcome.BLOCK: 409, Outcome.NOT_EVALUATED: 503,
               Outcome.NOT_READY: 503}  # issue 13: not ready is 503 with Retry-After


@dataclasses.dataclass(frozen=True)
class Api:
    state: ServiceState
    scheduler: JobScheduler
    token: str | None
    gate_timeout_seconds: float = 900.0

    def refresh(self, metrics: ServiceMetrics) -> None:
        jobs = self.state.jobs()
        metrics.jobs.set(len(jobs))
        for name in jobs:
            nxt = self.scheduler.next_run(name)
            if nxt is not None:
                metrics.next_run.labels(job=name).set(nxt.timestamp())

    def jobs_json(self) -> list[dict[str, Any]]:
        out = []
        for name, job in sorted(self.state.jobs().items()):
            status = self.state.status(name)
            nxt = self.scheduler.next_run(name)
            out.append({
                "job": name,
                "schedule": job.schedule.model_dump() if job.schedule else None,
                "next_run": nxt.isoformat() if nxt else None,
                "running": status.busy, "running_ds": status.ds, "running_trigger": status.trigger,
                "running_run_id": status.running.record.run_id
                if status.running and status.running.record else None,
                "last_run": _run_json(status.last, status.last_trigger),
                "outcome": status.last.outcome.value if status.last and status.last.outcome else None,
            })
        return out

    def gate(self, job: Job, ds: dt.date, max_age: dt.timedelta | None) -> gate.GateVerdict:
        """The gate, with runs going through the worker pool (no overlapping runs)."""
        store = self.state.env.open_store(self.state.env.artifact_root)

        def run_now(j: Job, day: dt.date) -> RunRecord:
            deadline = time.monotonic() + self.gate_timeout_seconds  # one limit for the request
            while True:
                if self.state.job(j.name) is None:
                    raise DqvError(f"job '{j.name}' was removed by a reload")
                if time.monotonic() > deadline:
                    raise DqvError(f"no verdict within {self.gate_timeout_seconds:g} s; ask again later")
                future = self.state.submit(j.name, [day], "gate")
                if future is not None:
                    record = future.result(timeout=self.gate_timeout_seconds)
                    if record is None:
                        raise DqvError("the service stopped before the run finished")
                    return record
                if self.state.closing:
                    raise DqvError("the service is stopping; no new runs")
                self.state.wait_idle(j.name, self.gate_timeout_seconds)
                fresh = gate.fresh_run(store.runs(j.name), day, max_age, utc_now())
                if fresh is not None:
                    return fresh

        return gate.evaluate(job, ds, store, run_now, max_age=max_age)


def _run_json(record: RunRecord | None, trigger: str | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"run_id": record.run_id, "ds": record.ds, "trigger": trigger,
            "outcome": record.outcome.value if record.outcome else None,
            "started_at": record.started_at, "ended_at": record.ended_at, "error": record.error}


def _default_ds(job: Job) -> dt.date:
    if job.schedule is not None:
        return ds_for(job.schedule, utc_now())
    return utc_now().date() - dt.timedelta(days=1)


class Handler(http.server.BaseHTTPRequestHandler):
    api: Api  # set on the subclass made by make_server
    server_version = "dqv"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Served text holds data values: never sniff it into HTML, never load anything.
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="dqv"')
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode(),
                   "application/json", headers)

    def _authorized(self) -> bool:
        if not self.api.token:
            return True
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.api.token}"
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
        self._json(401, {"error": "missing or wrong bearer token (Authorization: Bearer …)"})
        return False

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = [p for p in url.path.split("/") if p]
        if parts == ["healthz"]:
            state = self.api.state
            self._json(200 if not state.closing else 503, {
                "status": "stopping" if state.closing else "ok", "jobs": len(state.jobs()),
                "running": state.running(), "config_error": state.config_error,
                "config_loaded_at": state.reloaded_at})
        elif parts == ["metrics"]:
            self._send(200, self.api.state.metrics.exposition(self.api.refresh), CONTENT_TYPE_LATEST)
        elif not self._authorized():
            return
        elif parts == ["jobs"]:
            self._json(200, {"jobs": self.api.jobs_json()})
        elif len(parts) == 2 and parts[0] == "gate":
            self._gate(parts[1], query)
        elif parts and parts[0] == "reports":
            self._reports(parts[1:], query)
        else:
            self._json(404, {"error": f"no such endpoint: {url.path}"})

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        if not (len(parts) == 3 and parts[0] == "jobs" and parts[2] == "run"):
            self._json(404, {"error": f"no such endpoint: POST {url.path}"})
            return
        if not self._authorized():
            return
        job = self.api.state.job(parts[1])
        if job is None:
            self._json(404, {"error": f"no job named '{parts[1]}'"})
            return
        query = dict(urllib.parse.parse_qsl(url.query))
        try:
            ds = dt.date.fromisoformat(query["ds"]) if "ds" in query else _default_ds(job)
        except ValueError:
            self._json(400, {"error": "ds must be a date, YYYY-MM-DD"})
            return
        if self.api.state.submit(job.name, [ds], "manual") is None:
            status = 503 if self.api.state.closing else 409
            self._json(status, {"error": "the service is stopping" if status == 503 else
                                f"{job.name} is already queued or running", "job": job.name})
            return
        self._json(202, {"accepted": True, "job": job.name, "ds": ds.isoformat()})

    def _reports(self, parts: list[str], query: dict[str, str]) -> None:
        """The day's data-quality report (README "Daily report"), rendered from the history."""
        from validator.report.serving import job_infos, reports_response

        env = self.api.state.env
        try:
            answer = reports_response(parts, query, job_infos(self.api.state.jobs().values()),
                                      env.open_store(env.artifact_root))
        except DqvError as err:
            self._json(503, {"error": f"report unavailable: {err}"})
            return
        self._send(answer.status, answer.body, answer.content_type)

    def _gate(self, name: str, query: dict[str, str]) -> None:
        job = self.api.state.job(name)
        if job is None:
            self._json(404, {"error": f"no job named '{name}'"})
            return
        try:
            ds = dt.date.fromisoformat(query["ds"])
            max_age = gate.parse_max_age(query["max_age"]) if "max_age" in query else None
        except (KeyError, ValueError, DqvError):
            self._json(400, {"error": "give ds=YYYY-MM-DD (and optionally max_age=0|30m|6h|2d)"})
            return
        try:
            verdict = self.api.gate(job, ds, max_age)
        except Exception as err:  # no verdict is never a pass
            log.error("%s: gate for ds=%s failed: %s", name, ds, err)
            self._json(503, {"job": name, "ds": ds.isoformat(), "outcome": "not_evaluated",
                             "may_train": False, "error": str(err) or err.__class__.__name__})
            return
        # issue 13: a not-ready answer says when to ask again (gate.retry_after).
        retry = gate.retry_after(verdict)
        self._json(GATE_STATUS[verdict.outcome], verdict.to_json(),
                   {"Retry-After": str(retry)} if retry is not None else None)


def make_server(host: str, port: int, api: Api) -> http.server.ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"api": api})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
