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

if os.environ.get("DQV_TEST_PAUSE_IN_WORKER"):
    import time

    from validator.sources.local_split import LocalShard

    _read = LocalShard.read
    _main_pid = os.getpid()

    def _pause_then_read(self, stats):  # type: ignore[no-untyped-def]
        if os.getpid() != _main_pid:  # a forked worker of the local engine
            time.sleep(float(os.environ["DQV_TEST_PAUSE_IN_WORKER"]))
        yield from _read(self, stats)

    LocalShard.read = _pause_then_read  # type: ignore[method-assign]
