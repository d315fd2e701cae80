"""The service's HTTP endpoints (README "dqv serve"), a Starlette app on uvicorn. With a token
(env DQV_SERVE_TOKEN) every endpoint but /healthz, /metrics and /openapi.json needs
`Authorization: Bearer TOKEN` (the scheme in any case). Limits: request bodies (no endpoint
takes one) of at most MAX_BODY_BYTES, request line and headers of at most MAX_HEAD_BYTES,
MAX_CONNECTIONS at once, idle keep-alive connections closed after KEEP_ALIVE_SECONDS, a gate
answered within the gate timeout and every other answer within REQUEST_TIMEOUT_SECONDS."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hmac
import json
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from validator.core.outcome import Outcome
from validator.errors import DqvError
from validator.run import gate
from validator.service.api import Api, default_ds, run_json
from validator.service.openapi import document

log = logging.getLogger("dqv")
T = TypeVar("T")
GATE_STATUS = {Outcome.PASS: 200, Outcome.WARN: 200, Outcome.BLOCK: 409, Outcome.NOT_EVALUATED: 503,
               Outcome.NOT_READY: 503}  # not ready: 503 with Retry-After (gate.retry_after)
MAX_BODY_BYTES = 1024
MAX_HEAD_BYTES = 16 * 1024
MAX_CONNECTIONS = 1000
KEEP_ALIVE_SECONDS = 5
REQUEST_TIMEOUT_SECONDS = 60.0
PUBLIC = ("/healthz", "/metrics", "/openapi.json")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"),  # served text holds data values:
                    (b"content-security-policy",  # never sniff it into HTML, never load anything
                     b"default-src 'none'; style-src 'unsafe-inline'")]


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    body = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="dqv"'
    return Response(body, status, headers=headers or None, media_type="application/json")


class Guard:
    """ASGI middleware: security headers on every answer, the body limit, and the token."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        head = len(scope["raw_path"] or b"") + len(scope["query_string"]) + sum(
            len(k) + len(v) + 4 for k, v in scope["headers"])
        if head > MAX_HEAD_BYTES:
            await json_response(431, {"error": f"the request line and headers are limited to "
                                               f"{MAX_HEAD_BYTES} bytes"})(scope, receive, secured)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES or b"transfer-encoding" in headers:
            await json_response(413, {"error": f"request bodies are limited to {MAX_BODY_BYTES} "
                                               "bytes (no endpoint takes one)"})(scope, receive, secured)
            return
        if self.token and scope["path"] not in PUBLIC and not self._authorized(headers):
            await json_response(401, {"error": "missing or wrong bearer token (Authorization: "
                                               "Bearer …)"})(scope, receive, secured)
            return
        await self.app(scope, receive, secured)

    def _authorized(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        assert self.token is not None
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token.encode())


class Endpoints:
    def __init__(self, api: Api) -> None:
        self.api = api
        self._pool = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="dqv-http")

    async def _blocking(self, work: Callable[[], T]) -> T:
        """Store reads and rendering off the event loop, within the request timeout."""
        future = asyncio.get_running_loop().run_in_executor(self._pool, work)
        try:
            return await asyncio.wait_for(future, REQUEST_TIMEOUT_SECONDS)
        except TimeoutError:
            raise DqvError(f"no answer within {REQUEST_TIMEOUT_SECONDS:g} s") from None

    async def healthz(self, request: Request) -> Response:
        state = self.api.state
        return json_response(200 if not state.closing else 503, {
            "status": "stopping" if state.closing else "ok", "jobs": len(state.jobs()),
            "running": state.running(), "config_error": state.config_error,
            "config_loaded_at": state.reloaded_at})

    async def metrics(self, request: Request) -> Response:
        body = self.api.state.metrics.exposition(self.api.refresh)
        return Response(body, 200, media_type=CONTENT_TYPE_LATEST)

    async def openapi(self, request: Request) -> Response:
        return json_response(200, document())

    async def jobs(self, request: Request) -> Response:
        return json_response(200, {"jobs": self.api.jobs_json()})

    async def gate_path(self, request: Request) -> Response:
        return await self._gate(request.path_params["job"], request)

    async def gate_query(self, request: Request) -> Response:
        name = request.query_params.get("job")
        if not name:
            return json_response(400, {"error": "give job=NAME and ds=YYYY-MM-DD"})
        return await self._gate(name, request)

    async def _gate(self, name: str, request: Request) -> Response:
        job = self.api.state.job(name)
        if job is None:
            return json_response(404, {"error": f"no job named '{name}'"})
        query = request.query_params
        try:
            ds = dt.date.fromisoformat(query["ds"])
            max_age = gate.parse_max_age(query["max_age"]) if "max_age" in query else None
        except (KeyError, ValueError, DqvError):
            return json_response(400, {"error": "give ds=YYYY-MM-DD (and optionally "
                                                "max_age=0|30m|6h|2d)"})
        try:
            verdict = await self.api.gatekeeper.verdict(job, ds, max_age)
        except Exception as err:  # no verdict is never a pass
            log.error("%s: gate for ds=%s failed: %s", name, ds, err)
            return json_response(503, {"job": name, "ds": ds.isoformat(), "outcome": "not_evaluated",
                                       "may_train": False, "error": str(err) or err.__class__.__name__})
        retry = gate.retry_after(verdict)  # a not-ready answer says when to ask again
        return json_response(GATE_STATUS[verdict.outcome], verdict.to_json(),
                             {"Retry-After": str(retry)} if retry is not None else None)

    async def run(self, request: Request) -> Response:
        name = request.path_params["job"]
        job = self.api.state.job(name)
        if job is None:
            return json_response(404, {"error": f"no job named '{name}'"})
        try:
            ds = dt.date.fromisoformat(request.query_params["ds"]) if "ds" in request.query_params \
                else default_ds(job)
        except ValueError:
            return json_response(400, {"error": "ds must be a date, YYYY-MM-DD"})
        ticket = self.api.trigger(job, ds)
        if ticket is None:
            stopping = self.api.state.closing
            return json_response(503 if stopping else 409, {
                "error": "the service is stopping" if stopping else
                f"{job.name} is already queued or running", "job": job.name})
        return json_response(202, {"accepted": True, "job": job.name, "ds": ds.isoformat(),
                                   "id": ticket.id, "run_id": ticket.id,
                                   "poll": f"/runs/{ticket.id}"})

    async def runs(self, request: Request) -> Response:
        run_id = request.path_params["id"]
        found = self.api.ticket_json(run_id)
        if found is None and gate_run_id(run_id):
            env = self.api.state.env
            try:
                record = await self._blocking(lambda: env.open_store(env.artifact_root).get(run_id))
            except DqvError as err:
                return json_response(503, {"error": f"the run history is unavailable: {err}"})
            if record is not None:
                found = {"id": run_id, "job": record.job, "accepted_at": None,
                         "state": "finished" if record.is_finished else "running",
                         **(run_json(record, None) or {})}
        if found is None:
            return json_response(404, {"error": f"no run or request with id '{run_id}'"})
        return json_response(200, found)

    async def reports(self, request: Request) -> Response:
        """The day's data-quality report (README "Daily report"), rendered from the history."""
        from validator.report.serving import job_infos, reports_response

        parts = [p for p in request.url.path.split("/") if p][1:]
        query = dict(request.query_params)
        env, jobs = self.api.state.env, job_infos(self.api.state.jobs().values())
        try:
            answer = await self._blocking(lambda: reports_response(
                parts, query, jobs, env.open_store(env.artifact_root)))
        except DqvError as err:
            return json_response(503, {"error": f"report unavailable: {err}"})
        return Response(answer.body, answer.status, media_type=answer.content_type)


def gate_run_id(text: str) -> bool:
    return 0 < len(text) <= 128 and all(c.isalnum() or c in "._-" for c in text)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return json_response(405, {"error": f"{request.method} is not allowed on {request.url.path}"})
    return json_response(status, {"error": f"no such endpoint: {request.method} {request.url.path}"})


# (path, method, Endpoints method): every route; /openapi.json documents each of them.
ROUTES = [
    ("/healthz", "GET", "healthz"), ("/metrics", "GET", "metrics"),
    ("/openapi.json", "GET", "openapi"), ("/jobs", "GET", "jobs"), ("/gate", "GET", "gate_query"),
    ("/gate/{job}", "GET", "gate_path"), ("/jobs/{job}/run", "POST", "run"),
    ("/runs/{id}", "GET", "runs"), ("/reports", "GET", "reports"),
    ("/reports/{rest:path}", "GET", "reports"),
]


def make_app(api: Api) -> ASGIApp:
    e = Endpoints(api)
    routes = [Route(path, getattr(e, name), methods=[method]) for path, method, name in ROUTES]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    return Guard(app, api.token)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.up = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.up.set()


class HttpServer:
    """uvicorn in its own thread: signals stay with the service's main loop (drain, reload)."""

    def __init__(self, host: str, port: int, api: Api) -> None:
        self.api = api
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family, backlog=2048)
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(make_app(api), log_config=None, access_log=False, lifespan="off",
                                server_header=False, limit_concurrency=MAX_CONNECTIONS,
                                timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=5,
                                h11_max_incomplete_event_size=MAX_HEAD_BYTES, http="h11", loop="asyncio")
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="dqv-http", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        self._thread.start()
        if not self._server.up.wait(timeout):
            raise DqvError(f"the HTTP server did not start within {timeout:g} s")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        self.api.gatekeeper.close()
