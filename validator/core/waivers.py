"""Waivers: a person's time-boxed exception for one anomaly on one feature. Pure.

A waiver matches a finding with the same feature and anomaly type whose severity (by the job's
policy) is `error`. While active it turns that finding into a warning; once expired it changes
nothing and is attached to the finding only to show that it ran out.

The reference date is the **ds** of the run (the date of the data), or today (UTC) for a job
without a ds: a waiver `until: 2026-12-31` covers the partitions up to and including
ds=2026-12-31. So a verdict depends only on the data and the job file, a backfill or a re-run
gives the same answer on any day, and tomorrow's partition is not covered by today's waiver.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from validator.core.findings import AppliedWaiver, Finding
from validator.core.outcome import Severity
from validator.core.policy import Waiver


def reference_date(ds: dt.date | str | None, today: dt.date | None = None) -> dt.date:
    if isinstance(ds, str):
        return dt.date.fromisoformat(ds)
    if ds is not None:
        return ds
    return today or dt.datetime.now(dt.UTC).date()


def is_active(waiver: Waiver, as_of: dt.date) -> bool:
    return as_of <= waiver.until


def apply_waivers(findings: Iterable[Finding], waivers: Sequence[Waiver], as_of: dt.date
                  ) -> tuple[Finding, ...]:
    """Findings with the job's waivers applied afresh (any waiver recorded earlier is dropped
    first, so a revoked or changed waiver takes effect)."""
    by_key = {(w.feature, w.anomaly): w for w in waivers}
    out = []
    for finding in findings:
        base = dataclasses.replace(finding, severity=finding.policy_severity, waiver=None)
        waiver = by_key.get((base.feature, base.anomaly_type))
        if waiver is None or base.severity is not Severity.ERROR:
            out.append(base)
            continue
        active = is_active(waiver, as_of)
        applied = AppliedWaiver(until=waiver.until.isoformat(), owner=waiver.owner,
                                reason=waiver.reason, expired=not active,
                                waived_severity=base.severity)
        out.append(dataclasses.replace(base, severity=Severity.WARNING if active else base.severity,
                                       waiver=applied))
    return tuple(out)


def expired(waivers: Sequence[Waiver], as_of: dt.date) -> list[Waiver]:
    """Waivers of the job that no longer apply at `as_of`, matched or not: worth a clean-up."""
    return [w for w in waivers if not is_active(w, as_of)]
