"""Progress on long reads: a one-line bar on a terminal, a log line every few seconds elsewhere."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("dqv")


class Progress:
    def __init__(self, label: str, *, enabled: bool = True, stream: TextIO | None = None,
                 interval_s: float = 2.0) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = self.enabled and self.stream.isatty()
        self.interval_s = interval_s
        self.rows = 0
        self.bytes = 0
        self._start = time.monotonic()
        self._last = self._start

    def update(self, rows: int, nbytes: int = 0) -> None:
        self.rows += rows
        self.bytes += nbytes
        now = time.monotonic()
        if not self.enabled or now - self._last < (0.2 if self.tty else self.interval_s):
            return
        self._last = now
        if self.tty:
            self.stream.write(f"\r{self._line(now)}\x1b[K")
            self.stream.flush()
        else:
            log.info(self._line(now))

    def _line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        mb = self.bytes / 1e6
        return (f"{self.label}: {self.rows:,} rows, {mb:,.1f} MB read "
                f"({self.rows / elapsed:,.0f} rows/s)")

    def done(self) -> float:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r\x1b[K")
        if self.enabled:
            log.info(self._line(now).replace(":", " done:", 1))
        return now - self._start
