"""A local BigQuery sandbox for trying dqv on a BigQuery table without a Google account.

    python scripts/bq-sandbox.py start [--dir DIR]   (make bq-sandbox)       start, load, print
    python scripts/bq-sandbox.py stop  [--dir DIR]   (make bq-sandbox-stop)  stop by saved PID
    python scripts/bq-sandbox.py run   [--dir DIR]   the same in the foreground; stops when
                                                     stdin closes or the emulator is stopped
    python scripts/bq-sandbox.py demo --local-root ROOT   (make demo) the sample days through
                          BigQuery, side by side with the local verdicts in ROOT; then stops

It starts the `local-bigquery` emulator (scripts/bq-emulator.sh installs it; the launcher is
tests/support/bq_emulator.py's) on free loopback ports, loads the bundled sample days
(sample_data/) as one DATE-partitioned table `dqv_sandbox.training_events`, writes a project
with the bundled job reading that table (DIR/project), and prints what to export. Not part of
the wheel: it needs this checkout and its .venv.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import bq_emulator  # noqa: E402  (after the path is set)

PROJECT = "dqv-sandbox"
DATASET = "dqv_sandbox"
TABLE = f"{DATASET}.training_events"
DEFAULT_DIR = REPO / "dqv-artifacts" / "bq-sandbox"


def _state_file(folder: pathlib.Path) -> pathlib.Path:
    return folder / "sandbox.json"


def _alive(pid: int) -> bool:
    """True while `pid` is a running local-bigquery (a reused PID is not ours)."""
    try:
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return b"local-bigquery" in cmdline and "\nState:\tZ" not in status


def _write_project(folder: pathlib.Path) -> pathlib.Path:
    """DIR/project: the bundled job, reading the sandbox table instead of the Parquet files."""
    import yaml

    from tests.support.bigquery import SAMPLE_COLUMNS

    project = folder / "project"
    (project / "jobs").mkdir(parents=True, exist_ok=True)
    (project / "schemas").mkdir(exist_ok=True)
    job = yaml.safe_load((REPO / "jobs" / "training_events.yaml").read_text())
    job["source"] = {"kind": "bigquery", "table": TABLE, "partition": {"column": "ds"},
                     "columns": SAMPLE_COLUMNS}
    (project / "jobs" / "training_events.yaml").write_text(
        "# The bundled job on the BigQuery sandbox (scripts/bq-sandbox.py writes it).\n"
        + yaml.safe_dump(job, sort_keys=False))
    schema = (REPO / "schemas" / "training_events.pbtxt").read_text()
    (project / "schemas" / "training_events.pbtxt").write_text(schema)
    return project


def _start(folder: pathlib.Path, detach: bool) -> tuple[bq_emulator.Emulator, dict[str, str]]:
    from tests.support.bigquery import unified_table

    folder.mkdir(parents=True, exist_ok=True)
    emulator = bq_emulator.start(folder / "emulator", PROJECT, detach=detach)
    try:
        clients = emulator.clients()
        clients.bigquery.create_dataset(f"{PROJECT}.{DATASET}", exists_ok=True)  # type: ignore[attr-defined]
        bq_emulator.load_arrow(clients, TABLE, unified_table())
    except BaseException:
        bq_emulator.stop(emulator)
        raise
    state = {"pid": str(emulator.process.pid), "project_dir": str(_write_project(folder)),
             **emulator.env}
    _state_file(folder).write_text(json.dumps(state, indent=2))
    (folder / "env.sh").write_text("".join(f"export {k}={v}\n" for k, v in emulator.env.items()))
    return emulator, state


def _print_state(state: dict[str, str], folder: pathlib.Path) -> None:
    print(f"BigQuery sandbox running (pid {state['pid']}): project {PROJECT}, table {TABLE}\n"
          "  (the 11 sample days 2026-11-01..11, DATE-partitioned on ds)\n\n"
          "export these (or: source " + str(folder / "env.sh") + "):\n"
          f"  export DQV_BIGQUERY_ENDPOINT={state['DQV_BIGQUERY_ENDPOINT']}\n"
          f"  export GOOGLE_CLOUD_PROJECT={state['GOOGLE_CLOUD_PROJECT']}\n\n"
          "then, in your own project directory:\n"
          f"  dqv init events --bigquery {TABLE} --partition-column ds --ds 2026-11-01\n"
          "  dqv run events --ds 2026-11-07\n"
          f"or the bundled job on it: dqv run training_events --ds 2026-11-07 --project-dir "
          f"{state['project_dir']}\n\nstop it with: make bq-sandbox-stop", flush=True)


def cmd_start(folder: pathlib.Path) -> int:
    state_file = _state_file(folder)
    if state_file.is_file():
        state = json.loads(state_file.read_text())
        if _alive(int(state["pid"])):
            _print_state(state, folder)
            return 0
    _, state = _start(folder, detach=True)
    _print_state(state, folder)
    return 0


def cmd_stop(folder: pathlib.Path) -> int:
    state_file = _state_file(folder)
    if not state_file.is_file():
        print(f"bq-sandbox: not running (no {state_file})")
        return 0
    pid = int(json.loads(state_file.read_text())["pid"])
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    state_file.unlink(missing_ok=True)  # a foreground sandbox removes it itself
    print(f"bq-sandbox: stopped (pid {pid})")
    return 0


def cmd_run(folder: pathlib.Path) -> int:
    """Foreground: the emulator dies with this process (stdin closing stops it)."""
    emulator, state = _start(folder, detach=False)
    _print_state(state, folder)

    def watch_stdin() -> None:
        sys.stdin.read()
        bq_emulator.stop(emulator)

    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        emulator.process.wait()
    finally:
        bq_emulator.stop(emulator)
        _state_file(folder).unlink(missing_ok=True)
    return 0


def _local_outcomes(local_root: pathlib.Path) -> dict[str, dict[str, object]]:
    proc = subprocess.run([sys.executable, "-m", "validator.cli.main", "history",
                           "training_events", "--json", "--artifact-root", str(local_root)],
                          cwd=REPO, capture_output=True, text=True, check=True)
    return {r["ds"]: r for r in json.loads(proc.stdout)["runs"]}


def cmd_demo(folder: pathlib.Path, local_root: pathlib.Path) -> int:
    """The sample days through BigQuery (real clients, Storage Read API), beside the local
    verdicts; exit 1 if any verdict differs. The sandbox is stopped at the end, always."""
    print("Starting the BigQuery sandbox and loading the sample days ...", flush=True)
    emulator, state = _start(folder, detach=False)
    try:
        env = {**os.environ, **emulator.env, "DQV_SLACK_BOT_TOKEN": "", "DQV_SLACK_WEBHOOK_URL": ""}
        proc = subprocess.run(
            [sys.executable, "-m", "validator.cli.main", "backfill", "training_events", "--start",
             "2026-11-01", "--end", "2026-11-11", "--json", "--quiet", "--project-dir",
             state["project_dir"], "--artifact-root", str(folder / "artifacts")],
            cwd=REPO, env=env, capture_output=True, text=True)
        if not proc.stdout:
            print(proc.stderr, file=sys.stderr)
            return 2
        remote = {r["ds"]: r for r in json.loads(proc.stdout)}
    finally:
        bq_emulator.stop(emulator)
        _state_file(folder).unlink(missing_ok=True)
    local = _local_outcomes(local_root)
    print(f"\n{'ds':<12}{'local Parquet':<18}{'BigQuery, Storage Read API':<38}same verdict")
    same = True
    for ds in sorted(local):
        here, there = local[ds], remote.get(ds, {})
        left = f"{here['outcome']} {here['errors']}e/{here['warnings']}w"
        right = "missing"
        if there:
            severities = [f["severity"] for f in there["findings"]]
            right = (f"{there['outcome']} {severities.count('error')}e/"
                     f"{severities.count('warning')}w  {there['rows']} rows, "
                     f"{there['source_details'].get('streams', '?')} stream(s)")
        equal = here["outcome"] == there.get("outcome")
        same = same and equal
        print(f"{ds:<12}{left:<18}{right:<38}{'yes' if equal else 'NO'}")
    print("\nThe verdicts are the same from local files and from BigQuery." if same else
          "\nSome verdicts differ between local files and BigQuery.")
    print("(The sandbox is stopped. `make bq-sandbox` starts one to try your own job on.)")
    return 0 if same else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="bq-sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("start", "stop", "run", "demo"))
    parser.add_argument("--dir", type=pathlib.Path, default=DEFAULT_DIR,
                        help=f"the sandbox's data, PID and project (default {DEFAULT_DIR})")
    parser.add_argument("--local-root", type=pathlib.Path, help="demo: the local runs' artifacts")
    args = parser.parse_args()
    args.dir = args.dir.resolve()  # the emulator's HOME and data dir must be absolute
    if args.action == "demo":
        return cmd_demo(args.dir, args.local_root or REPO / "dqv-artifacts" / "demo")
    return {"start": cmd_start, "stop": cmd_stop, "run": cmd_run}[args.action](args.dir)


if __name__ == "__main__":
    sys.exit(main())
