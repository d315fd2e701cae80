"""Run one measurement in a child process and watch its memory (Linux /proc).

Three memory figures, because forked workers share pages with their parent:
- `max_rss_mb`: the largest single process (ru_maxrss from wait4: exact, not sampled);
- `tree_rss_mb`: peak of the summed RSS of the child and all its descendants (counts pages
  shared after fork once per process, so it overstates);
- `tree_pss_mb`: peak of the summed PSS (shared pages split between sharers): the physical
  memory the run really held.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
import time
from typing import Any

# The sampler shares the 2 cores with what it measures: reading smaps_rollup walks every page
# table of the tree, so at 50 ms it took a visible share of a core from the engines' workers.
# Memory peaks here are plateaus lasting seconds (batches held while folding), and the largest
# single process is exact anyway (ru_maxrss), so 200 ms loses nothing that matters.
_SAMPLE_S = 0.2


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in pathlib.Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                pass
    return found


def _kb(path: str, key: str) -> int:
    try:
        for line in pathlib.Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.tree_rss_kb = 0
        self.tree_pss_kb = 0

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _descendants(self.pid)
            rss = sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
            pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
            self.tree_rss_kb = max(self.tree_rss_kb, rss)
            self.tree_pss_kb = max(self.tree_pss_kb, pss)
            time.sleep(_SAMPLE_S)


def run_measurement(engine: str, data: pathlib.Path, shape: str, timeout_s: float
                    ) -> dict[str, Any]:
    """`python -m tests.bench.child ENGINE DATA SHAPE` with its memory watched."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}
    load_1m = round(os.getloadavg()[0], 1)  # other work on the machine when the run starts
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.child", engine, str(data), shape],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sampler = _Sampler(proc.pid)
    sampler.start()
    out_box: dict[str, str] = {}

    def drain(name: str, pipe: Any) -> None:  # read while waiting: a chatty child never blocks
        out_box[name] = pipe.read()

    readers = [threading.Thread(target=drain, args=(name, pipe), daemon=True)
               for name, pipe in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    start = time.monotonic()
    status, usage = 0, None
    while True:
        waited, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if waited:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() - start > timeout_s:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            break
        time.sleep(_SAMPLE_S)
    sampler.stop.set()
    sampler.join()
    for reader in readers:
        reader.join(timeout=5)
    out, err = out_box.get("out", ""), out_box.get("err", "")
    result: dict[str, Any] = {"engine": engine, "load_1m": load_1m}
    if proc.returncode != 0:
        lines = [line for line in err.strip().splitlines() if line.strip()]
        result["error"] = ("timed out" if proc.returncode == -9 else
                           f"exit {proc.returncode}: {lines[-1] if lines else ''}")
        return result
    result.update(json.loads(out.strip().splitlines()[-1]))
    # CPU of the child and the workers it waited for: steadier than wall time on a busy machine
    # (it includes the interpreter and TensorFlow start, ~3 s, that `seconds` leaves out).
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2) if usage else None
    result["max_rss_mb"] = round(usage.ru_maxrss / 1024) if usage else None
    result["tree_rss_mb"] = round(sampler.tree_rss_kb / 1024)
    result["tree_pss_mb"] = round(sampler.tree_pss_kb / 1024)
    return result
