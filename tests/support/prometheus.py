"""A real Prometheus server (Debian `prometheus`) for tests: scrapes a test Pushgateway with
`honor_labels: true` and evaluates alerts/prometheus/rules.yml, as production would.

Started on a free loopback port with its own TSDB folder, stopped by PID (use as a context
manager so it stops also when the test fails).
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from tests.support.pushgateway import free_port, stop


def api(url: str, path: str, **params: str) -> Any:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{url}{path}{query}", timeout=10) as response:
        body = json.loads(response.read().decode("utf-8"))
    assert body["status"] == "success", body
    return body["data"]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    """Poll until `condition()` is truthy (a readiness wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.5)


@contextlib.contextmanager
def running_prometheus(workdir: pathlib.Path, pushgateway_url: str,
                       rule_files: list[pathlib.Path]) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is not installed; run `make system-deps`")
    target = urllib.parse.urlsplit(pushgateway_url).netloc
    config = workdir / "prometheus.yml"
    config.write_text(json.dumps({  # JSON is YAML
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [{"job_name": "pushgateway", "honor_labels": True,
                            "static_configs": [{"targets": [target]}]}],
    }))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    try:
        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"prometheus exited {process.returncode}: see {log}")
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False

        wait_for(ready, f"prometheus to start (log: {log})")
        yield url
    finally:
        stop(process)
