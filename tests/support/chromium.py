"""Headless Debian Chromium driven over the DevTools protocol, for testing report pages.

One browser per `open_page` call, started by PID in its own process group with a private
profile and no network features, and stopped (by that process group) also when a test fails.
The page is loaded from a file:// URL; the session records console messages, exceptions,
network requests and JavaScript dialogs (an executed `alert(1)` would open one).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import itertools
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-port=0", "--remote-allow-origins=*",
         # No network: no host name resolves (file:// pages and the DevTools socket need none).
         "--host-resolver-rules=MAP * ~NOTFOUND"]
START_TIMEOUT = 60.0


@dataclasses.dataclass
class PageSession:
    ws: ClientConnection
    url: str
    events: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    _ids: Any = dataclasses.field(default_factory=lambda: itertools.count(1))

    def call(self, method: str, timeout: float = 60.0, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method}")
            msg = json.loads(self.ws.recv(timeout=left))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            if "method" in msg:
                self._record(msg)

    def _record(self, msg: dict[str, Any]) -> None:
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            # Dismiss it so the page goes on loading; the event stays recorded.
            self.ws.send(json.dumps({"id": next(self._ids), "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": True}}))

    def wait_for(self, event: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while True:
            for msg in self.events[seen:]:
                if msg["method"] == event:
                    return msg
            seen = len(self.events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {event} event")
            msg = json.loads(self.ws.recv(timeout=left))
            if "method" in msg:
                self._record(msg)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def named(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e["method"] == method]

    def console_errors(self) -> list[str]:
        out = [" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
               for p in self.named("Runtime.consoleAPICalled") if p.get("type") in ("error", "assert")]
        out += [str(p["exceptionDetails"]) for p in self.named("Runtime.exceptionThrown")]
        out += [p["entry"].get("text", "") for p in self.named("Log.entryAdded")
                if p["entry"].get("level") == "error"]
        return out

    def requests(self) -> list[str]:
        """URLs the page requested besides itself."""
        return [p["request"]["url"] for p in self.named("Network.requestWillBeSent")
                if p["request"]["url"] != self.url]

    def dialogs(self) -> list[dict[str, Any]]:
        return self.named("Page.javascriptDialogOpening")

    def screenshot(self, path: pathlib.Path) -> pathlib.Path:
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width, height = int(size["width"]), min(int(size["height"]), 16000)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def _debugger_port(profile: pathlib.Path, proc: subprocess.Popen[bytes]) -> int:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode} before it was ready")
        if port_file.is_file():
            lines = port_file.read_text().split()
            if lines:
                return int(lines[0])
        time.sleep(0.1)
    raise TimeoutError("chromium did not write DevToolsActivePort")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the browser and its helpers, by our group id
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextlib.contextmanager
def open_page(html_file: pathlib.Path, width: int = 1280, height: int = 900) -> Iterator[PageSession]:
    """Load `html_file` in a fresh headless Chromium and yield the recording session once the
    page has loaded."""
    profile = pathlib.Path(tempfile.mkdtemp(prefix="dqv-chromium-"))
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                             f"--window-size={width},{height}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port = _debugger_port(profile, proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t.get("type") == "page")
        url = html_file.resolve().as_uri()
        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
            session = PageSession(ws, url)
            for domain in ("Page", "Runtime", "Network", "Log"):
                session.call(f"{domain}.enable")
            session.call("Page.navigate", url=url)
            session.wait_for("Page.loadEventFired")
            yield session
    finally:
        _stop(proc)
        shutil.rmtree(profile, ignore_errors=True)
