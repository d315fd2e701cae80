"""SIGTERM during `dqv run`, `backfill`, `gate` or a run of `dqv serve` (its child process): the
run in progress is recorded as interrupted (not_evaluated) before the process exits, instead of
vanishing mid-way.

The first SIGTERM raises `RunInterrupted` in the main thread; the runner records it like any
other reason a run was not evaluated. Later SIGTERMs are ignored so recording is not cut short
(SIGKILL still works; the next run then marks the run failed, see history/mlmd_store.py).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from validator.errors import RunInterrupted

_state = {"interrupted": False}
_message: list[str] = []  # the reason to record instead of the default, if one was given


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _state["interrupted"] = True
    raise RunInterrupted(_message[0] if _message else
                         f"interrupted: dqv received {signal.Signals(signum).name} before the "
                         "run finished; run it again")


def record_runs_on_sigterm(message: str | None = None) -> None:
    """`message`: the reason recorded (default: which signal came)."""
    if threading.current_thread() is threading.main_thread():
        _message[:] = [message] if message else []
        signal.signal(signal.SIGTERM, _on_sigterm)


def interrupted() -> bool:
    return _state["interrupted"]
