"""dqv's log lines on stderr ("dqv: …", control characters escaped), and the libraries kept
quiet unless verbose. Shared by the command line and the service's run processes, so a run logs
the same way wherever it runs."""

from __future__ import annotations

import logging
import sys

from validator.core.text import terminal_safe

LIBRARY_LOGGERS = ("slack_sdk", "urllib3", "google", "apache_beam", "absl", "tensorflow")


class _SafeFormatter(logging.Formatter):
    """Log lines carry data values (file and column names): escaped like every print."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(super().format(record), keep_newlines=True)


def setup_logging(*, verbose: bool, quiet: bool) -> None:
    log = logging.getLogger("dqv")
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("dqv: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    # Libraries speak only through -v: without it their lines (slack_sdk's own ERROR on an
    # unreachable Slack, urllib3 retries, google-auth, Beam) never precede dqv's own message.
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    if verbose and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s", stream=sys.stderr)
