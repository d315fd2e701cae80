"""pytest fixture for the Slack stand-in: one server per test, stopped also on failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.slack_standin import SlackStandin


@pytest.fixture
def slack_standin() -> Iterator[SlackStandin]:
    standin = SlackStandin().start()
    try:
        yield standin
    finally:
        standin.stop()
