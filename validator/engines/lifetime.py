"""Worker processes die with the process that started them.

A forked worker that outlived a killed `dqv run` (parent pid 1) would go on reading data for
nobody, and used to keep the run's lock alive. On Linux each worker asks the kernel to kill it
when its parent ends (prctl PR_SET_PDEATHSIG); if the parent is already gone, it leaves at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None) -> None:
    """Call first thing in a worker. `parent_pid`: the pid that forked it (None when a
    forkserver started it: then the forkserver is the parent, and it ends with its owner)."""
    # The run's SIGTERM handler is for the run, not for its workers: they just stop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the parent still terminates its workers on every way out
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request took effect
