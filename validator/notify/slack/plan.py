"""What to post for one run, given the job's open alert threads. Pure: no I/O, no clock.

    findings, no open thread (or it is older than the window)  -> "open": a new message
    findings, open thread within the window                     -> "reply" into that thread
    no findings routed to a channel with an open thread         -> "resolve" reply, thread closed

Webhooks cannot reply in threads: with them repeats are only remembered, not posted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from validator.core.outcome import Outcome
from validator.core.readiness import DATA_LATE
from validator.notify.slack.blocks import AlertFacts, Changes, Message, alert_message, resolved_message
from validator.notify.slack.findings import NOT_EVALUATED
from validator.notify.slack.routes import ChannelFindings
from validator.notify.slack.state import Kind, Thread, alert_key


@dataclasses.dataclass(frozen=True)
class Action:
    kind: Kind
    thread: Thread  # the thread after this action
    message: Message


@dataclasses.dataclass(frozen=True)
class PlanInput:
    facts: AlertFacts  # the run; findings are filled per channel
    routed: Mapping[str, ChannelFindings]  # channel -> findings routed there
    open_threads: Sequence[Thread]  # the job's open threads
    now: float  # epoch seconds
    window_seconds: float  # suppression window
    threads_supported: bool = True


def plan(given: PlanInput) -> tuple[list[Action], list[Thread]]:
    """Actions to deliver, in order, and every thread whose state changed (to save even
    when nothing is posted)."""
    actions: list[Action] = []
    changed: list[Thread] = []
    threads = {t.channel: t for t in given.open_threads if not t.closed}
    facts = given.facts
    for channel in sorted(set(given.routed) | set(threads)):
        thread = threads.get(channel)
        routed = given.routed.get(channel)
        findings = tuple(routed.findings) if routed else ()
        if not findings:
            # Nothing routed here any more; but an unevaluated run proves nothing cleared.
            if thread is not None and facts.outcome is not Outcome.NOT_EVALUATED:
                closed = dataclasses.replace(thread, closed=True)
                cleared = [k for k in thread.open_keys if not k.endswith(f"\x1f{NOT_EVALUATED}")]
                message = resolved_message(facts.job, facts.ds, facts.run_id, len(cleared))
                actions.append(Action("resolve", closed, message))
                changed.append(closed)
            continue
        keys = tuple(dict.fromkeys(alert_key(f) for f in findings))
        mentions = tuple(routed.mentions) if routed else ()
        owners = tuple(routed.owners) if routed else ()
        channel_facts = dataclasses.replace(facts, findings=findings, mentions=mentions,
                                            owners=owners or facts.owners)
        before = set(thread.open_keys) if thread is not None else set()
        changes = Changes(new=len(set(keys) - before), still_open=len(set(keys) & before),
                          cleared=len(before - set(keys)))
        within_window = thread is not None and given.now - thread.opened_at < given.window_seconds
        if thread is not None and within_window and _still_late(keys, before):
            continue  # the data is still late: that was said once, every re-check is not news
        # Without threads (webhooks) a repeat is only remembered; a new anomaly is posted afresh.
        if thread is not None and within_window and (given.threads_supported or not changes.new):
            updated = dataclasses.replace(thread, open_keys=keys)
            changed.append(updated)
            if given.threads_supported:
                message = alert_message(dataclasses.replace(channel_facts, changes=changes))
                actions.append(Action("reply", updated, message))
            continue
        if thread is not None:  # older than the window: close it quietly, alert afresh
            changed.append(dataclasses.replace(thread, closed=True))
        opened = Thread(thread_id=f"{facts.job}/{channel}/{facts.run_id}", job=facts.job,
                        channel=channel, opened_at=given.now, open_keys=keys)
        actions.append(Action("open", opened, alert_message(channel_facts)))
        changed.append(opened)
    return actions, changed


def _still_late(keys: tuple[str, ...], before: set[str]) -> bool:
    """Only DATA_LATE is routed here, and the open thread already says it."""
    return bool(keys) and set(keys) == before and all(k.endswith(f"\x1f{DATA_LATE}") for k in keys)
