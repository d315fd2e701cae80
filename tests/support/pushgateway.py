"""A real Prometheus Pushgateway (Debian `prometheus-pushgateway`) for the tests.

Started once per session on a free loopback port, without persistence (the Debian default
would write /var/lib/prometheus/pushgateway.data), and stopped by PID at the end of the
session, also when tests fail. Import the `pushgateway` fixture in a conftest.py.
"""

from __future__ import annotations

import base64
import dataclasses
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.bq_emulator import free_port  # one loopback-port finder for every test service

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclasses.dataclass
class Pushgateway:
    url: str
    process: subprocess.Popen[bytes]
    auth_header: str | None = None  # when started with basic auth

    def scrape(self) -> Series:
        """Every sample of the Pushgateway's /metrics: {(name, labels): value}."""
        request = urllib.request.Request(f"{self.url}/metrics")
        if self.auth_header:
            request.add_header("Authorization", self.auth_header)
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode("utf-8")
        series: Series = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                series[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return series

    def wipe(self) -> None:
        """Delete every group (admin API), so a test module starts from nothing."""
        request = urllib.request.Request(f"{self.url}/api/v1/admin/wipe", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus-pushgateway exited {process.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as err:
            if err.code == 401:  # up, and asking for the credentials it was started with
                return
            time.sleep(0.1)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"prometheus-pushgateway did not become ready at {url}: see {log}")


# bcrypt of the password "s3cret-pw" (cost 4: tests only), for --web.config.file basic auth.
TEST_USER, TEST_PASSWORD = "dqv", "s3cret-pw"
TEST_PASSWORD_BCRYPT = "$2b$04$3uNcEmGQhSB9Qhn4WJi7bu44Uh3zGlNGgbd3Z1fugulrTmiE9Ujh2"


def start_pushgateway(log_dir: str, *, basic_auth: bool = False) -> Pushgateway:
    """Start one Pushgateway; with `basic_auth`, every endpoint wants TEST_USER/TEST_PASSWORD."""
    binary = shutil.which("prometheus-pushgateway")
    if binary is None:
        raise RuntimeError("prometheus-pushgateway is not installed; run `make system-deps`")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = f"{log_dir}/pushgateway.log"
    args = [binary, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file=",
            "--web.enable-admin-api"]
    auth_header = None
    if basic_auth:
        web_config = f"{log_dir}/web-config.yml"
        with open(web_config, "w", encoding="utf-8") as config:
            config.write(f"basic_auth_users:\n  {TEST_USER}: '{TEST_PASSWORD_BCRYPT}'\n")
        args.append(f"--web.config.file={web_config}")
        token = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
        auth_header = f"Basic {token}"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(url, process, log)
    except BaseException:
        stop(process)
        raise
    return Pushgateway(url, process, auth_header)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # this PID only
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushgateway]:
    gateway = start_pushgateway(str(tmp_path_factory.mktemp("pushgateway")))
    try:
        yield gateway
    finally:
        stop(gateway.process)


@pytest.fixture(scope="module")
def auth_pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushgateway]:
    """A second Pushgateway that wants basic auth (TEST_USER / TEST_PASSWORD)."""
    gateway = start_pushgateway(str(tmp_path_factory.mktemp("pushgateway-auth")), basic_auth=True)
    try:
        yield gateway
    finally:
        stop(gateway.process)
