"""Did-you-mean hints for names a user typed (commands, options, job names, fields, columns)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to `word` (case-insensitive), best first."""
    names = sorted({str(c) for c in choices})
    by_lower = {c.lower(): c for c in names}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[f] for f in found]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'' or " (did you mean 'run'?)" / " (did you mean 'a' or 'b'?)", to append to a message."""
    found = close_matches(word, choices)
    if not found:
        return ""
    return " (did you mean " + " or ".join(f"'{f}'" for f in found) + "?)"
