"""The baseline rule: which earlier run a run's drift is measured against. Pure; every store
(ML Metadata, the file store) and every caller uses this one rule."""

from __future__ import annotations

from validator.core.outcome import Outcome
from validator.core.record import RunRecord


def latest_passing(runs: list[RunRecord], before_ds: str | None) -> RunRecord | None:
    """The baseline rule, shared by every store: latest ds first, then latest run of that ds;
    only finished passing runs; a ds later than or equal to the one being checked never counts.
    A job without partitions (no ds) compares with its latest passing run."""
    passing = [r for r in runs if r.outcome is not None and r.outcome.is_passing]
    if before_ds is None and not any(r.ds for r in passing):
        return max(passing, key=lambda r: r.started_at, default=None)
    candidates = [r for r in runs if r.outcome is not None and r.outcome.is_passing
                  and r.ds is not None and (before_ds is None or r.ds < before_ds)]
    if not candidates:
        return None
    best_ds = max(r.ds for r in candidates if r.ds is not None)
    # A re-run that could not evaluate (an outage, a kill) says nothing about the data.
    same_ds = [r for r in runs if r.ds == best_ds and r.outcome is not None
               and r.outcome not in (Outcome.NOT_EVALUATED, Outcome.NOT_READY)]
    # A later re-run of that ds that did not pass revokes it as a baseline.
    latest = max(same_ds, key=lambda r: r.started_at)
    if latest.outcome is not None and latest.outcome.is_passing:
        return latest
    return latest_passing([r for r in runs if r.ds != best_ds], before_ds)
