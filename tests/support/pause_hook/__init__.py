"""A test-only hook that lives outside the product: a run pauses right after it is recorded as
started (holding its run lock), so crash and concurrency tests can kill or race it at a known
point, deterministically, without a huge data set.

`pause_env(seconds)` gives the environment for a `dqv` subprocess: it puts this folder on
PYTHONPATH, where Python picks up `sitecustomize.py` at start, which wraps the ML Metadata
store's `start` with the pause. Nothing in `validator/` knows about it.
"""

from __future__ import annotations

import os
import pathlib

PAUSE_ENV = "DQV_TEST_PAUSE_AFTER_START"
WORKER_PAUSE_ENV = "DQV_TEST_PAUSE_IN_WORKER"  # a local engine worker sleeps before reading
HOOK_DIR = pathlib.Path(__file__).resolve().parent


def pause_env(seconds: float | str, *, in_worker: bool = False) -> dict[str, str]:
    """`in_worker`: pause inside each forked worker of the local engine instead (the run holds
    its lock and has live child processes)."""
    path = os.pathsep.join(p for p in (str(HOOK_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {WORKER_PAUSE_ENV if in_worker else PAUSE_ENV: str(seconds), "PYTHONPATH": path}
