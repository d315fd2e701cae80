"""Text from data (column names, values, parse-error excerpts) made safe for a terminal.

Column names and values are hostile: an ESC sequence printed raw can rewrite the screen, hide
lines or set the window title. Every control character (C0, DEL, C1) and every invisible format
character (bidi overrides, zero-width characters) is shown as a Python-style escape (`\\x1b`,
`\\u202e`), so what is printed is what the data holds. One helper, used by every CLI print of
data values and by the one-line error printer.
"""

from __future__ import annotations

import unicodedata


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def terminal_safe(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with control and format characters escaped (newlines kept when asked)."""
    value = str(text)
    if value.isprintable():
        return value
    out = []
    for char in value:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif char.isprintable() or (char == " "):
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
            out.append(_escape(char))
        else:
            out.append(char)  # other non-printables (spaces such as NBSP) are harmless
    return "".join(out)
