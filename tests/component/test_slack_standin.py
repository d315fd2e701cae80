"""The Slack stand-in answers the real slack_sdk client the way Slack does (the other Slack
tests rely on it), and its scripted failures reach the client as Slack's would."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from tests.support.slack_standin import (
    SlackStandin,
    channel_id,
    invalid_auth,
    rate_limited,
    server_error,
)


def test_post_message_is_recorded_and_answered_with_ts(slack_standin: SlackStandin) -> None:
    assert slack_standin.base_url.endswith("/")
    client = WebClient(token="xoxb-standin", base_url=slack_standin.base_url)
    first = client.chat_postMessage(channel="#alerts", text="hello", blocks=[])
    reply = client.chat_postMessage(channel=first["channel"], text="again", thread_ts=first["ts"])
    assert first["channel"] == channel_id("#alerts") != "#alerts"
    assert reply["ts"] != first["ts"]
    [a, b] = slack_standin.requests
    assert (a.method, a.path, a.api_method) == ("POST", "/api/chat.postMessage", "chat.postMessage")
    assert a.headers["Authorization"] == "Bearer xoxb-standin"
    assert a.data == {"channel": "#alerts", "text": "hello", "blocks": []}
    assert b.data["thread_ts"] == first["ts"]
    assert slack_standin.posts() == [a, b]


def test_scripted_failures_then_default(slack_standin: SlackStandin) -> None:
    client = WebClient(token="xoxb-standin", base_url=slack_standin.base_url)
    slack_standin.script(server_error(), invalid_auth())
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="#a", text="x")
    assert err.value.response.status_code == 500
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="#a", text="x")
    assert err.value.response["error"] == "invalid_auth"
    assert client.chat_postMessage(channel="#a", text="x")["ok"]
    assert [r.status for r in slack_standin.requests] == [500, 200, 200]
    assert len(slack_standin.posts()) == 1


def test_rate_limit_carries_retry_after_for_the_sdk_handler(slack_standin: SlackStandin) -> None:
    client = WebClient(token="xoxb-standin", base_url=slack_standin.base_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    slack_standin.script(rate_limited(retry_after=0))
    assert client.chat_postMessage(channel="#a", text="x")["ok"]
    assert [r.status for r in slack_standin.requests] == [429, 200]
    assert len(slack_standin.posts()) == 1


def test_down_for_good_and_webhooks(slack_standin: SlackStandin) -> None:
    slack_standin.script(then=server_error())
    hook = WebhookClient(slack_standin.webhook_url)
    assert hook.send(text="x").status_code == 500
    slack_standin.script(then=invalid_auth())
    assert hook.send(text="x").status_code == 403
    slack_standin.reset()
    response = hook.send(text="hi", blocks=[{"type": "divider"}])
    assert (response.status_code, response.body) == (200, "ok")
    assert slack_standin.requests[0].data == {"text": "hi", "blocks": [{"type": "divider"}]}
    assert slack_standin.posts() == slack_standin.requests
