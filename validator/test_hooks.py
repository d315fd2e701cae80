"""Hooks for tests only, driven by environment variables no user sets.

DQV_TEST_PAUSE_AFTER_START=SECONDS: a run sleeps this long right after it is recorded as
started (holding its run lock), so crash and concurrency tests can kill it or race it at a
known point, deterministically, without a huge data set.
"""

from __future__ import annotations

import os
import time

PAUSE_ENV = "DQV_TEST_PAUSE_AFTER_START"


def pause_after_start() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        time.sleep(float(seconds))
