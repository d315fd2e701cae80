"""The fault suite's one-line summary per case, printed at the end of the session:
case, verdict, runs recorded, alerts delivered, processes left behind."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest


@dataclasses.dataclass
class Case:
    name: str
    verdict: str = "-"
    exit_code: int | None = None
    runs: str = "-"
    alerts: str = "-"
    processes_left: int | None = None

    def line(self) -> str:
        code = "-" if self.exit_code is None else str(self.exit_code)
        left = "-" if self.processes_left is None else str(self.processes_left)
        return (f"{self.name:<44} verdict={self.verdict:<14} exit={code:<2} runs={self.runs:<28} "
                f"alerts={self.alerts:<14} left={left}")


_CASES: list[Case] = []


@pytest.fixture
def case(request: pytest.FixtureRequest) -> Case:
    """What the test saw; filled by the test, printed in the session summary."""
    found = Case(request.node.name.removeprefix("test_"))
    _CASES.append(found)
    return found


def runs_text(records: Any) -> str:
    """'3: pass, not_evaluated(interrupted)' — every recorded run once, with its state."""
    states = []
    for record in records:
        state = record.outcome.value if record.outcome else "RUNNING"
        if record.error and record.error.startswith("interrupted"):
            state += "(interrupted)"
        states.append(state)
    return f"{len(states)}: {', '.join(states)}" if states else "0"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _CASES:
        return
    terminalreporter.section("fault suite: one line per case")
    for found in _CASES:
        terminalreporter.write_line(found.line())
