"""One Slack message for a whole `dqv backfill` instead of one per day (`--alerts summary`, the
default for backfills; `--alerts each` posts per day as a run does).

The collector is the backfill's Slack observer: it remembers each day's record, and at the end
the notifier posts one summary to every channel a day's findings were routed to. A summary is a
message of its own: it opens no alert thread and resolves none (a backfill looks back; the
daily runs keep the threads). Not-ready days are counted, never alerted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from validator.config.job import Job
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.notify.slack.blocks import Limits, Message, pack_sections
from validator.notify.slack.mrkdwn import code, escape

if TYPE_CHECKING:
    from validator.core.result import RunResult
    from validator.notify.slack.notifier import SlackNotifier

_ORDER = (Outcome.BLOCK, Outcome.NOT_EVALUATED, Outcome.NOT_READY, Outcome.WARN, Outcome.PASS)
_FINDINGS_PER_DAY = 4
LIMITS = Limits()


def _day_line(record: RunRecord) -> str:
    outcome = record.outcome or Outcome.NOT_EVALUATED
    head = f"*{escape(record.ds or 'none', 20)}* {outcome.value.upper()}"
    if record.error:
        return f"{head}: {escape(record.error, 300)}"
    shown = record.reported
    items = ", ".join(f"{code(f.feature, 80)} {code(f.anomaly_type, 60)}"
                      for f in shown[:_FINDINGS_PER_DAY])
    more = f" and {len(shown) - _FINDINGS_PER_DAY} more" if len(shown) > _FINDINGS_PER_DAY else ""
    return f"{head}: {items}{more}" if items else head


def summary_message(job: str, records: Sequence[RunRecord], limits: Limits = LIMITS) -> Message:
    """Counts by outcome, then each day that did not pass, in ds order. Pure."""
    days = sorted(records, key=lambda r: r.ds or "")
    span = f"{days[0].ds} .. {days[-1].ds}" if days else "no days"
    counts = {o: sum(1 for r in days if r.outcome is o) for o in _ORDER}
    count_text = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
    header = f"dqv backfill · {job} · {span}"[: limits.max_header_chars]
    lines = [_day_line(r) for r in days if r.outcome is not Outcome.PASS]
    sections, unfit = pack_sections(lines, limits, limits.max_blocks - 3)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header}},
              {"type": "section", "text": {"type": "mrkdwn", "verbatim": True,
                                           "text": f"*{len(days)} day(s)*: {count_text or 'none'}"}}]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s, "verbatim": True}}
               for s in sections]
    if unfit:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                                                        "text": f"…and {unfit} more day(s)"}]})
    text = f"{header}: {count_text or 'no days'}"[: limits.max_fallback_chars]
    return Message(text=text, blocks=blocks)


class BackfillSummary:
    """A RunObserver that collects a backfill's days; `finish` posts the one summary."""

    name = "slack"

    def __init__(self, notifier: SlackNotifier) -> None:
        self._notifier = notifier
        self._records: list[RunRecord] = []

    def run_finished(self, job: Job, result: RunResult) -> None:
        self._records.append(result.record)  # told once, at the end

    def finish(self, job: Job) -> None:
        records, self._records = self._records, []
        if records:
            self._notifier.post_summary(job, records, summary_message(job.name, records))
