"""`dqv serve` as a real subprocess on a free loopback port (`--port 0`: the kernel picks it, the
service logs it), stopped by PID (also when a test fails) and killed by the kernel if the test
process dies, and small HTTP clients for it. Polls use bounded timeouts; nothing asserts on time."""

from __future__ import annotations

import asyncio
import ctypes
import datetime as dt
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from tests.conftest import REPO

T = TypeVar("T")
SAMPLE_DAY = REPO / "sample_data" / "training_events" / "ds=2026-11-01" / "part-000.parquet"


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120.0,
             interval: float = 0.3) -> T:
    """Call `probe` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def make_project(root: pathlib.Path, jobs: dict[str, str], days: list[dt.date] = ()) -> pathlib.Path:
    """A project with the bundled schema, the sample data, `jobs` (name -> YAML text) and a
    hive-partitioned copy of a clean sample day under data/ds=D/ for each of `days`."""
    (root / "jobs").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", root / "schemas")
    (root / "sample_data").symlink_to(REPO / "sample_data")
    for day in days:
        folder = root / "data" / f"ds={day.isoformat()}"
        folder.mkdir(parents=True)
        (folder / "part-000.parquet").symlink_to(SAMPLE_DAY)
    for name, text in jobs.items():
        (root / "jobs" / f"{name}.yaml").write_text(text)
    return root


def scheduled_job(name: str, cron: str, *, catch_up: int = 0, offset: int = -1) -> str:
    return f"""name: {name}
schema: schemas/training_events.pbtxt
environment: TRAINING
source: {{kind: local, path: data, format: parquet, partition: {{hive_key: ds}}}}
schedule: {{cron: "{cron}", timezone: UTC, ds_offset_days: {offset}, catch_up: {catch_up}}}
monitors: {{duplicate: {{enabled: false}}}}  # every ds is the same sample file (make_project)
"""


SAMPLE_JOB = (REPO / "jobs" / "training_events.yaml").read_text()


class Service:
    """A running `dqv serve`; its log is in `log_path`."""

    def __init__(self, proc: subprocess.Popen[bytes], log_path: pathlib.Path, root: pathlib.Path,
                 token: str | None) -> None:
        self.proc, self.log_path, self.artifact_root, self.token = proc, log_path, root, token
        match = wait_for("the service to listen", self._port, timeout=60)
        self.base = f"http://127.0.0.1:{match}"

    def _port(self) -> int | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"dqv serve exited {self.proc.returncode}:\n{self.log()}")
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log())
        return int(found.group(1)) if found else None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, *, token: str | None = "default",
                timeout: float = 600, scheme: str = "Bearer") -> tuple[int, Any]:
        """(status, parsed JSON or text). `token` 'default' sends the service's token."""
        req = urllib.request.Request(self.base + path, method=method,
                                     data=b"" if method == "POST" else None)
        sent = self.token if token == "default" else token
        if sent:
            req.add_header("Authorization", f"{scheme} {sent}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, body, kind = resp.status, resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            status, body, kind = err.code, err.read(), err.headers.get("Content-Type", "")
        text = body.decode()
        return status, json.loads(text) if "json" in kind else text

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.request("GET", path, **kw)

    def job(self, name: str) -> dict[str, Any]:
        status, data = self.get("/jobs")
        assert status == 200, data
        return next(j for j in data["jobs"] if j["job"] == name)

    def metric(self, name: str, **labels: str) -> float | None:
        """The value of one sample in /metrics, or None when absent."""
        status, text = self.get("/metrics", token=None)
        assert status == 200
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            if line.startswith("#") or " " not in line:
                continue
            series, value = line.rsplit(" ", 1)
            sample, _, label_text = series.partition("{")
            got = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
            if sample == name and got == want:
                return float(value)
        return None

    def concurrent_gets(self, path: str, count: int, timeout: float = 300) -> list[tuple[int, Any]]:
        """`count` GET requests at once, each on its own connection; (status, JSON) each."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}

        async def all_at_once() -> list[tuple[int, Any]]:
            limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=self.base, headers=headers, limits=limits,
                                         timeout=httpx.Timeout(timeout, pool=timeout)) as client:
                answers = await asyncio.gather(*(client.get(path) for _ in range(count)))
            return [(a.status_code, a.json()) for a in answers]

        return asyncio.run(all_at_once())

    def rss_kb(self) -> int:
        """Resident memory of the service and all its descendants (VmRSS, kB)."""
        children: dict[int, list[int]] = {}
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        total, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, []))
            try:
                status = pathlib.Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            total += int(found.group(1)) if found else 0
        return total

    def memory_kb(self) -> tuple[int, int]:
        """The service process's own resident memory now and at its peak (VmRSS, VmHWM, kB);
        its runs' child processes are not counted."""
        status = pathlib.Path(f"/proc/{self.proc.pid}/status").read_text()
        found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
        return int(found["VmRSS"]), int(found["VmHWM"])

    def mapped_libraries(self) -> set[str]:
        """The shared libraries loaded into the service process (from /proc/PID/maps)."""
        maps = pathlib.Path(f"/proc/{self.proc.pid}/maps").read_text()
        return {line.split()[-1] for line in maps.splitlines() if ".so" in line}

    def run_children(self) -> list[int]:
        """Pids of the service's run processes (python -m validator.service.child)."""
        found = []
        for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (stat.parent / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            if parent == self.proc.pid and b"validator.service.child" in cmdline:
                found.append(int(stat.parent.name))
        return found

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def start_service(project: pathlib.Path, *args: str, token: str | None = None,
                  env: dict[str, str] | None = None) -> Service:
    log_path = project / "serve.log"
    root = project / "dqv-artifacts"
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    full_env.pop("DQV_SERVE_TOKEN", None)
    if token:
        full_env["DQV_SERVE_TOKEN"] = token
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "validator.cli.main", "serve", "--port", "0",
                                 "--project-dir", str(project), "--artifact-root", str(root), *args],
                                cwd=project, env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
    try:
        return Service(proc, log_path, root, token)
    except BaseException:
        proc.kill()
        proc.wait(timeout=30)
        raise


def running_service(project: pathlib.Path, *args: str, **kw: Any) -> Iterator[Service]:
    """For fixtures: yield a started service and stop it by PID afterwards, also on failure."""
    service = start_service(project, *args, **kw)
    try:
        yield service
    finally:
        service.stop()
