"""Starting and stopping the local BigQuery emulator (`local-bigquery`, installed by
scripts/bq-emulator.sh into .venv-bqemu) for the tests and `make bench`. Not used by `dqv`.

The emulator runs as its own process on free loopback ports with a --data-dir and a HOME of
the caller's (DuckDB's extensions are copied into that HOME, so nothing downloads), and is
stopped by its PID only.
"""

from __future__ import annotations

import dataclasses
import io
import os
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pyarrow as pa

REPO = pathlib.Path(__file__).resolve().parents[2]
EMULATOR_VENV = pathlib.Path(os.environ.get("DQV_BQEMU_VENV", REPO / ".venv-bqemu"))
INSTALL_SCRIPT = REPO / "scripts" / "bq-emulator.sh"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class Emulator:
    rest_url: str
    grpc_address: str
    process: subprocess.Popen[bytes]
    log: pathlib.Path
    project: str

    @property
    def endpoint(self) -> str:
        """The value of DQV_BIGQUERY_ENDPOINT / source.endpoint for this emulator."""
        return f"{self.rest_url},{self.grpc_address}"

    @property
    def env(self) -> dict[str, str]:
        return {"DQV_BIGQUERY_ENDPOINT": self.endpoint, "GOOGLE_CLOUD_PROJECT": self.project}

    def clients(self) -> object:
        from validator.sources.bigquery.clients import build_clients, parse_endpoint

        return build_clients(self.project, parse_endpoint(self.endpoint))


def installed() -> bool:
    return (EMULATOR_VENV / "bin" / "local-bigquery").exists() and \
        (EMULATOR_VENV / "home" / ".duckdb").is_dir()


def _wait_ready(emulator: Emulator, timeout_s: float) -> None:
    url = f"{emulator.rest_url}/bigquery/v2/projects/{emulator.project}/datasets"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            tail = emulator.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"local-bigquery exited {emulator.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"local-bigquery did not answer at {url}; see {emulator.log}")


def start(workdir: pathlib.Path, project: str, timeout_s: float = 60, *,
          detach: bool = False) -> Emulator:
    """`detach`: its own session, so it outlives the caller (scripts/bq-sandbox.py, which
    saves the PID and stops it by that PID); tests leave it attached."""
    if not installed():
        raise RuntimeError(f"the BigQuery emulator is not installed in {EMULATOR_VENV}; run "
                           f"`bash {INSTALL_SCRIPT.relative_to(REPO)}` (make test does)")
    workdir.mkdir(parents=True, exist_ok=True)
    # A HOME of our own holding DuckDB's extensions (copied: DuckDB may write next to them).
    run_home = workdir / "home"
    shutil.copytree(EMULATOR_VENV / "home", run_home, dirs_exist_ok=True)
    rest_port, grpc_port = free_port(), free_port()
    while grpc_port == rest_port:
        grpc_port = free_port()
    log = workdir / "local-bigquery.log"
    env = {"HOME": str(run_home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(EMULATOR_VENV / "bin" / "local-bigquery"), "serve", "--host", "127.0.0.1",
             "--port", str(rest_port), "--grpc-port", str(grpc_port), "--project", project,
             "--data-dir", str(workdir / "data")],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir, start_new_session=detach)
    emulator = Emulator(f"http://127.0.0.1:{rest_port}", f"127.0.0.1:{grpc_port}", process, log,
                        project)
    try:
        _wait_ready(emulator, timeout_s)
    except BaseException:
        stop(emulator)
        raise
    return emulator


def load_arrow(clients: Any, table_id: str, table: pa.Table, *, partition_field: str | None = "ds",
               schema: list[Any] | None = None) -> None:
    """Load an Arrow table through a real load job (Parquet upload)."""
    import pyarrow.parquet as pq
    from google.cloud import bigquery

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    buffer.seek(0)
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        time_partitioning=bigquery.TimePartitioning(field=partition_field) if partition_field
        else None, schema=schema)
    clients.bigquery.load_table_from_file(buffer, f"{clients.project}.{table_id}",
                                          job_config=config).result()


def stop(emulator: Emulator) -> None:
    """Stop this emulator's process (by its PID, never by name)."""
    process = emulator.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
