"""Severities, outcomes and exit codes: the vocabulary of the gate."""

from __future__ import annotations

import enum
from collections.abc import Iterable


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
    NOT_READY = "not_ready"  # no data for the ds yet (late, not bad): check again later

    @property
    def exit_code(self) -> int:
        """0 pass (warnings allowed), 1 blocked, 2 not evaluated, 3 not ready. Documented in the
        README ("Exit codes")."""
        return EXIT_CODES[self]

    @property
    def rank(self) -> int:
        """Worst-of order for several runs (a backfill): pass < warn < not_ready < block <
        not_evaluated. A blocked day outranks a day whose data has not landed yet."""
        return _RANK[self]

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
    Outcome.NOT_READY: 3,
}
EXIT_USAGE = 2  # a usage or config error: nothing ran (same code as not evaluated)
EXIT_CODES_HELP = ("Exit codes: 0 pass (warnings allowed), 1 blocked, 2 not evaluated or a "
                   "usage/config error, 3 not ready (no data for the ds yet; retry later).")
_RANK = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.NOT_READY: 2, Outcome.BLOCK: 3,
         Outcome.NOT_EVALUATED: 4}


def worst_exit_code(outcomes: Iterable[Outcome]) -> int:
    """The exit code of the worst outcome (by `Outcome.rank`); 2 when there is none."""
    worst = max(outcomes, key=lambda o: o.rank, default=None)
    return worst.exit_code if worst is not None else EXIT_USAGE
