"""Severities, outcomes and exit codes: the vocabulary of the gate."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    """How much an anomaly matters. Configured per anomaly type and feature in the job."""

    ERROR = "error"  # blocks the gate
    WARNING = "warning"  # reported, training may go on
    IGNORE = "ignore"  # recorded, not reported, no effect

    @property
    def rank(self) -> int:
        return {Severity.IGNORE: 0, Severity.WARNING: 1, Severity.ERROR: 2}[self]


class Outcome(enum.StrEnum):
    """The verdict of one run."""

    PASS = "pass"
    WARN = "warn"
    BLOCK = "block"
    NOT_EVALUATED = "not_evaluated"

    @property
    def exit_code(self) -> int:
        """0 pass (warnings allowed), 1 blocked, 2 not evaluated. Documented in the README ("Exit codes")."""
        return EXIT_CODES[self]

    @property
    def is_passing(self) -> bool:
        """True when training may go on: this run may serve as a drift baseline."""
        return self in (Outcome.PASS, Outcome.WARN)

    @classmethod
    def from_severity(cls, worst: Severity | None) -> Outcome:
        if worst is Severity.ERROR:
            return cls.BLOCK
        if worst is Severity.WARNING:
            return cls.WARN
        return cls.PASS


EXIT_CODES = {
    Outcome.PASS: 0,
    Outcome.WARN: 0,
    Outcome.BLOCK: 1,
    Outcome.NOT_EVALUATED: 2,
}
