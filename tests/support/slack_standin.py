"""A small Slack Web API stand-in: a loopback HTTP server the tests run, so the real
`slack_sdk` client (pointed at it through `base_url`) does real HTTP.

It records every request and answers from a script: a queue of replies consumed one per
request, then a default (normally `ok`). Implemented: `chat.postMessage` (returns `ts`
and `channel`), `auth.test`, and incoming webhooks under `/services/...`.

    standin = SlackStandin().start()
    client = WebClient(token="xoxb-test", base_url=standin.base_url)
    standin.script(rate_limited(retry_after=0), ok())
    ...
    standin.stop()
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import http.server
import itertools
import json
import threading
import urllib.parse
from typing import Any

API_PREFIX = "/api/"
WEBHOOK_PREFIX = "/services/"


@dataclasses.dataclass(frozen=True)
class Reply:
    """How the stand-in answers one request. `kind` is one of ok, rate_limited,
    server_error, invalid_auth, or a Slack error code answered as {"ok": false}."""

    kind: str
    retry_after: int = 0


def ok() -> Reply:
    return Reply("ok")


def rate_limited(retry_after: int = 0) -> Reply:
    """429 with a Retry-After header (seconds)."""
    return Reply("rate_limited", retry_after)


def server_error() -> Reply:
    return Reply("server_error")


def invalid_auth() -> Reply:
    return Reply("invalid_auth")


def slack_error(code: str) -> Reply:
    """HTTP 200 with {"ok": false, "error": code}, e.g. channel_not_found."""
    return Reply(code)


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    data: dict[str, Any]  # the JSON or form body
    status: int = 0  # what the stand-in answered
    answered_ok: bool = False  # 200 with ok (the message was "posted")

    @property
    def api_method(self) -> str | None:
        """`chat.postMessage` for /api/chat.postMessage; None for webhooks."""
        return self.path[len(API_PREFIX):] if self.path.startswith(API_PREFIX) else None

    @property
    def delivered(self) -> bool:
        return self.answered_ok


def channel_id(name: str) -> str:
    """Slack answers with channel IDs, not names; a stable fake one per name."""
    if name.startswith(("C", "G")) and name.isupper() and name.isalnum():
        return name
    return "C" + hashlib.sha1(name.encode()).hexdigest()[:10].upper()


class SlackStandin:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queue: collections.deque[Reply] = collections.deque()
        self._default = ok()
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------
    def start(self) -> SlackStandin:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self)

            def do_GET(self) -> None:
                standin._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests read .requests, not stderr

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stand-in first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to give slack_sdk's WebClient(base_url=...) (and DQV_SLACK_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PREFIX}T0000/B0000/standin"

    def script(self, *replies: Reply, then: Reply | None = None) -> None:
        """Answer the next requests with `replies`, one each, then with `then` (default:
        keep the current default, normally ok) for every request after them."""
        with self._lock:
            self._queue.extend(replies)
            if then is not None:
                self._default = then

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._queue.clear()
            self._default = ok()

    # -- views -------------------------------------------------------------------------
    def posts(self) -> list[RecordedRequest]:
        """chat.postMessage and webhook requests that the stand-in accepted, in order."""
        return [r for r in self.requests
                if (r.api_method == "chat.postMessage" or r.path.startswith(WEBHOOK_PREFIX))
                and r.delivered]

    # -- serving -----------------------------------------------------------------------
    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(handler.path).path
        record = RecordedRequest(handler.command, path, dict(handler.headers.items()), body,
                                 _parse(handler.headers.get("Content-Type", ""), body))
        with self._lock:
            reply = self._queue.popleft() if self._queue else self._default
            self.requests.append(record)
            status, headers, payload = self._answer(record, reply)
            record.status = status
            record.answered_ok = status == 200 and (
                payload == b"ok" or bool(json.loads(payload or b"{}").get("ok")))
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, record: RecordedRequest, reply: Reply) -> tuple[int, dict[str, str], bytes]:
        webhook = record.path.startswith(WEBHOOK_PREFIX)
        text_type = {"Content-Type": "text/plain"}
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if reply.kind == "rate_limited":
            return 429, {**text_type, "Retry-After": str(reply.retry_after)}, b"rate limited"
        if reply.kind == "server_error":
            return 500, text_type, b"internal server error"
        if webhook:
            if reply.kind == "ok":
                return 200, text_type, b"ok"
            code = "invalid_token" if reply.kind == "invalid_auth" else reply.kind
            return 403 if code == "invalid_token" else 400, text_type, code.encode()
        if reply.kind != "ok":
            return 200, json_type, json.dumps({"ok": False, "error": reply.kind}).encode()
        if not record.headers.get("Authorization", "").startswith("Bearer "):
            return 200, json_type, json.dumps({"ok": False, "error": "not_authed"}).encode()
        return 200, json_type, json.dumps(self._ok_body(record)).encode()

    def _ok_body(self, record: RecordedRequest) -> dict[str, Any]:
        if record.api_method == "chat.postMessage":
            channel = channel_id(str(record.data.get("channel", "")))
            ts = f"1700000000.{next(self._ts):06d}"
            message = {k: v for k, v in record.data.items() if k in ("text", "blocks", "thread_ts")}
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, **message}}
        if record.api_method == "auth.test":
            return {"ok": True, "team": "standin", "user": "dqv", "bot_id": "B0000"}
        return {"ok": True}


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            return {"_unparsed": body.decode("utf-8", "replace")}
        return data if isinstance(data, dict) else {"_json": data}
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return {key: values[0] if len(values) == 1 else values for key, values in form.items()}
