"""Making untrusted text safe to show: one line, no control characters, bounded length, no secrets.

Everything a server sends (titles, messages, URLs, error pages) and everything read from a
document may reach a terminal, a report or a log. :func:`safe_text` is the one place that
turns such a string into something that cannot move the cursor, recolour the terminal,
hide text with bidi overrides or flood the screen. :func:`redact` removes secrets (the API
key) from text that may have echoed them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ._lazy import lazy_pattern

__all__ = ["DEFAULT_LIMIT", "ELLIPSIS", "redact", "safe_text"]

#: Characters kept by :func:`safe_text` unless told otherwise: enough for any message or title.
DEFAULT_LIMIT = 300
#: Marks a string that was cut to its limit.
ELLIPSIS = "…"

# ANSI/ECMA-48 escape sequences: CSI (ESC [ or the 8-bit CSI), OSC (ESC ] ... BEL or ST),
# and two-character escapes. Removed whole, so no parameter bytes are left on screen.
_ESCAPES = lazy_pattern(  # needed only for text that is not printable
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]?"
)
_LINE_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Cc: C0/C1 controls and DEL; Cf: format characters (bidi overrides, zero-width joiners);
# Cs: lone surrogates, which cannot even be encoded for output.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_SPACES = re.compile(r"\s+")


def safe_text(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as one printable line: escapes and control characters removed, white space
    collapsed, and at most ``limit`` characters (cut with ``…``).

    Safe for a terminal, a report or a log. The cost is bounded by ``limit``, not by the
    length of ``value``: a 200 KB string costs no more than a short one.
    """
    text = value if isinstance(value, str) else str(value)
    # Escape sequences removed below are short; a window of a few times the limit is enough
    # to fill the limit with visible text, and keeps the work small for huge inputs.
    window = text[: limit * 4 + 256]
    if window.isprintable():
        # The common case (no escape, control, line break or space but " "): nothing to drop,
        # so no look at each character; the result is what the loop below would give. The
        # only white space a printable string holds is " ", so without "  " there is no run
        # to collapse.
        cleaned = (_SPACES.sub(" ", window) if "  " in window else window).strip()
    else:
        out: list[str] = []
        for ch in _ESCAPES().sub("", window):
            if ch in _LINE_BREAKS or ch.isspace():
                out.append(" ")
            elif ch.isprintable() or unicodedata.category(ch) not in _DROPPED_CATEGORIES:
                out.append(ch)  # unassigned code points and the like are harmless: kept
        cleaned = _SPACES.sub(" ", "".join(out)).strip()
    if len(cleaned) > limit or len(text) > len(window):
        cleaned = cleaned[: max(limit - 1, 0)].rstrip() + ELLIPSIS
    return cleaned


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced by ``[redacted]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:  # a 1-3 character "secret" would shred ordinary words
            text = text.replace(secret, "[redacted]")
    return text
