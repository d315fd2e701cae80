"""Loaded by Python at start when tests/support/pause_hook is on PYTHONPATH (see __init__.py)."""

import os

if os.environ.get("DQV_TEST_PAUSE_AFTER_START"):
    import time

    from validator.history.mlmd_store import MlmdRunStore

    _start = MlmdRunStore.start

    def _start_then_pause(self, record):  # type: ignore[no-untyped-def]
        _start(self, record)
        time.sleep(float(os.environ["DQV_TEST_PAUSE_AFTER_START"]))

    MlmdRunStore.start = _start_then_pause  # type: ignore[method-assign]
