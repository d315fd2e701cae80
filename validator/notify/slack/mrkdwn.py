"""Escaping for Slack mrkdwn: values from the data arrive as text, never as mentions, links
or formatting.

Slack parses `<...>` as mentions and links, so `&`, `<`, `>` become entities (Slack's own
rule). mrkdwn has no escape for `*`, `_`, `~` and backticks; a zero-width space on each side
keeps them from pairing up into formatting while they still show as typed. Every text object
we build is also `verbatim`, so Slack does not auto-link bare URLs, #channels or @here.
Control characters (ESC sequences in a column name) are shown escaped (core/text.py).
"""

from __future__ import annotations

from validator.core.text import terminal_safe

ZWSP = "\u200b"
FORMATTING = "*_~`"
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def escape(value: object, limit: int | None = None) -> str:
    """`value` as mrkdwn-safe text on one line, clipped to `limit` characters first."""
    text = terminal_safe(" ".join(str(value).split()))
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    for char in FORMATTING:
        text = text.replace(char, f"{ZWSP}{char}{ZWSP}")
    return text


def code(value: object, limit: int | None = None) -> str:
    """`value` inside an inline code span (no formatting applies there; a backtick in the
    value would end the span, so it becomes a look-alike)."""
    text = terminal_safe(" ".join(str(value).split())).replace("`", "ˋ")
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    return f"`{text}`"


def code_block(text: str, limit: int | None = None) -> str:
    """`text` (several lines) in a preformatted block: no formatting applies there, so nothing
    is fenced; entities as everywhere, a backtick becomes a look-alike (it could end the
    block), control characters are escaped. Clipped to `limit` characters first."""
    body = "\n".join(terminal_safe(line) for line in text.split("\n")).replace("`", "ˋ")
    if limit is not None and len(body) > limit:
        body = body[: max(limit - 1, 0)] + "…"
    for raw, entity in _ENTITIES:
        body = body.replace(raw, entity)
    return f"```\n{body}\n```"


def unescape(text: str) -> str:
    """What a reader sees: the inverse of `escape` (used by checks and tests)."""
    text = text.replace(ZWSP, "")
    for raw, entity in reversed(_ENTITIES):
        text = text.replace(entity, raw)
    return text
