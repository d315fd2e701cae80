"""Delivery through the real slack_sdk clients, with its retry handlers.

429 (after waiting what Retry-After says), 500/503 and connection errors are retried by
slack_sdk itself. What still fails is classified:

    SlackUnavailable  may pass (Slack down, rate limit persists, token or webhook wrong):
                      the message stays in the outbox, later messages wait behind it
    SlackRejected     Slack refused this message itself (e.g. channel_not_found): it is
                      set aside so it does not hold up the rest

Secrets (token, webhook URL) never appear in messages: errors are scrubbed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any, Protocol

from validator.errors import DeliveryError
from validator.notify.slack.blocks import Message

TOKEN_ENV = "DQV_SLACK_BOT_TOKEN"
WEBHOOK_ENV = "DQV_SLACK_WEBHOOK_URL"
BASE_URL_ENV = "DQV_SLACK_BASE_URL"
_AUTH_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                "missing_scope", "no_permission"}
_TRANSIENT_ERRORS = {"ratelimited", "rate_limited", "service_unavailable", "fatal_error",
                     "internal_error", "request_timeout"}


class SlackUnavailable(DeliveryError):
    """Slack could not take any message now; retry later, in order."""


class SlackRejected(DeliveryError):
    """Slack refused this one message; retrying it will not help."""


@dataclasses.dataclass(frozen=True)
class SlackSettings:
    """Where and how to post. From the environment only: secrets never live in files."""

    token: str = dataclasses.field(default="", repr=False)
    webhook_url: str = dataclasses.field(default="", repr=False)
    base_url: str = ""  # Web API base URL (tests point it at the stand-in)
    max_retries: int = 2
    timeout_seconds: int = 15

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackSettings:
        env = os.environ if env is None else env
        return cls(token=env.get(TOKEN_ENV, "").strip(), webhook_url=env.get(WEBHOOK_ENV, "").strip(),
                   base_url=env.get(BASE_URL_ENV, "").strip())

    @property
    def configured(self) -> bool:
        return bool(self.token or self.webhook_url)

    def scrub(self, text: str) -> str:
        for secret in (self.token, self.webhook_url):
            if secret:
                text = text.replace(secret, "***")
        return text


@dataclasses.dataclass(frozen=True)
class Posted:
    channel_id: str | None
    ts: str | None


class Transport(Protocol):
    threads_supported: bool

    def post(self, channel: str, message: Message, thread_ts: str | None) -> Posted: ...


def _retry_handlers(settings: SlackSettings) -> list[Any]:
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    n = settings.max_retries
    return [ConnectionErrorRetryHandler(max_retry_count=n), RateLimitErrorRetryHandler(max_retry_count=n),
            ServerErrorRetryHandler(max_retry_count=n)]


def web_client(settings: SlackSettings) -> Any:
    """The one way dqv builds a Slack WebClient (alerts and the report digest): token and base
    URL from the settings, slack_sdk's retry handlers (429 honouring Retry-After, 5xx, connection
    errors)."""
    from slack_sdk import WebClient

    base_url = settings.base_url or WebClient.BASE_URL
    return WebClient(token=settings.token, timeout=settings.timeout_seconds,
                     base_url=base_url if base_url.endswith("/") else base_url + "/",
                     retry_handlers=_retry_handlers(settings))


class WebApiTransport:
    """chat.postMessage with a bot token; replies go into threads."""

    threads_supported = True

    def __init__(self, settings: SlackSettings) -> None:
        self._settings = settings
        self._client = web_client(settings)

    def post(self, channel: str, message: Message, thread_ts: str | None) -> Posted:
        from slack_sdk.errors import SlackApiError

        args: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks,
                                "unfurl_links": False, "unfurl_media": False, "link_names": False,
                                "parse": "none"}
        if thread_ts:
            args["thread_ts"] = thread_ts
        try:
            response = self._client.chat_postMessage(**args)
        except SlackApiError as err:
            raise _api_error(err.response.status_code, _error_code(err.response), self._settings) from None
        except Exception as err:  # urllib and socket errors once the retries are spent
            raise SlackUnavailable(self._settings.scrub(
                f"Slack is unreachable ({err.__class__.__name__}: {err}); the message waits in the "
                "outbox")) from None
        return Posted(channel_id=response.get("channel"), ts=response.get("ts"))


class WebhookTransport:
    """An incoming webhook: one fixed channel, no threads."""

    threads_supported = False

    def __init__(self, settings: SlackSettings) -> None:
        from slack_sdk import WebhookClient

        self._settings = settings
        self._client = WebhookClient(settings.webhook_url, timeout=settings.timeout_seconds,
                                     retry_handlers=_retry_handlers(settings))

    def post(self, channel: str, message: Message, thread_ts: str | None) -> Posted:
        try:
            response = self._client.send(text=message.text, blocks=message.blocks,
                                         unfurl_links=False, unfurl_media=False)
        except Exception as err:
            raise SlackUnavailable(self._settings.scrub(
                f"Slack is unreachable ({err.__class__.__name__}: {err}); the message waits in the "
                "outbox")) from None
        if response.status_code == 200:
            return Posted(channel_id=None, ts=None)
        code = str(response.body or "").strip()[:80]
        if response.status_code in (403, 404) or code in ("invalid_token", "no_service", "no_team"):
            raise SlackUnavailable(f"Slack rejected the incoming webhook ({code or response.status_code}); "
                                   f"set {WEBHOOK_ENV} to a valid webhook URL, then run "
                                   "`dqv alerts flush`")
        raise _api_error(response.status_code, code, self._settings)


def _error_code(response: Any) -> str:
    try:
        return str(response.get("error") or "")
    except Exception:  # a non-JSON body (e.g. a proxy's HTML error page)
        return ""


def _api_error(status: int, code: str, settings: SlackSettings) -> DeliveryError:
    if code in _AUTH_ERRORS:
        return SlackUnavailable(f"Slack rejected the bot token ({code}); set {TOKEN_ENV} to a valid "
                                "bot token (xoxb-...) with the chat:write scope, then run "
                                "`dqv alerts flush`")
    if status == 429 or status >= 500 or code in _TRANSIENT_ERRORS:
        return SlackUnavailable(f"Slack is unavailable (HTTP {status}{', ' + code if code else ''}) "
                                "after retries; the message waits in the outbox")
    return SlackRejected(settings.scrub(f"Slack refused the message (HTTP {status}, "
                                        f"{code or 'no error code'})"))


def build_transport(settings: SlackSettings) -> Transport:
    """The bot token (chat.postMessage) when set, else the incoming webhook."""
    if settings.token:
        return WebApiTransport(settings)
    if settings.webhook_url:
        return WebhookTransport(settings)
    raise DeliveryError(f"Slack is not configured; set {TOKEN_ENV} (or {WEBHOOK_ENV})")
