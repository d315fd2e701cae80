"""The exception tree. Every error a user can cause or fix is a `DqvError`; callers branch on
these types, never on message text.

    DqvError                root; the CLI prints `error: <message>` and exits 2
    ├── ConfigError         a job, routes or schema file is wrong (names file, line, field)
    ├── DataError           the data could not be read
    │   ├── DataNotFound        no data for the ds: missing path, partition, table or dataset
    │   ├── PermissionDenied    the credentials may not read it
    │   ├── SourceUnavailable   the source did not answer (an outage: worth a retry)
    │   ├── CostCapExceeded     the read would pass source.maximum_bytes_billed
    │   └── InvalidQuery        the warehouse rejected the query or row filter
    ├── StoreError          the run history (ML Metadata) could not be opened or written
    ├── RunInterrupted      the run was stopped (SIGTERM) before it finished; recorded as such
    └── DeliveryError       metrics or alerts could not be delivered; never changes a verdict

Messages are one line and say how to fix the problem.
"""

from __future__ import annotations


class DqvError(Exception):
    """Root of all dqv errors. `str(err)` is the one-line message shown to users."""


class ConfigError(DqvError):
    """A configuration or schema file is invalid."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        where = file or ""
        if file and line:
            where = f"{file}:{line}"
        parts = [p for p in (where, f"field '{field}'" if field else "") if p]
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class DataError(DqvError):
    """The data for a run could not be found or read."""


class DataNotFound(DataError):
    """No data for the ds: a missing path, partition, table or dataset."""


class PermissionDenied(DataError):
    """The credentials may not read the data."""


class SourceUnavailable(DataError):
    """The source did not answer (connection refused, timeouts, 5xx): retrying may help."""


class CostCapExceeded(DataError):
    """The read or query would bill more than source.maximum_bytes_billed."""


class InvalidQuery(DataError):
    """The warehouse rejected the query, the row filter or the selected columns."""


class StoreError(DqvError):
    """The run history store failed."""


class RunInterrupted(DqvError):
    """The run's process was told to stop (SIGTERM); the run is recorded as interrupted."""


class DeliveryError(DqvError):
    """Metrics or notifications could not be delivered."""
