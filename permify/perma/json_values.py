"""Values read from the Perma API's JSON: bounded, typed and safe to show.

The server's answer is untrusted input: each helper takes whatever a field holds (a missing
key, null, the wrong type, megabytes of text) and returns a value of the expected type, a
string made printable and capped, or None; it never raises, except :func:`json_id` for a
required id.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from ..text import safe_text

__all__ = [
    "NAME_LIMIT",
    "TEXT_LIMIT",
    "collect_strings",
    "decode_messages",
    "json_float",
    "json_id",
    "json_int",
    "json_str",
    "json_text",
    "parse_timestamp",
]

#: cap on messages and other free text kept from the server
TEXT_LIMIT = 1000
#: cap on names (folders, organizations, people)
NAME_LIMIT = 500


def parse_timestamp(value: Any) -> datetime | None:
    """Parse Perma's ISO-8601 UTC timestamps (``Z``, with or without microseconds)."""
    if not value or not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        # Python 3.10's fromisoformat wants exactly 0, 3 or 6 fraction digits.
        m = re.match(r"^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$", text)
        if not m:
            return None
        frac = (m.group(2) + "000000")[:6]
        try:
            parsed = datetime.fromisoformat(f"{m.group(1)}.{frac}{m.group(3)}")
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def json_int(value: Any) -> int | None:
    """An integer field (an int, or a short string ending in digits such as ``/v1/folders/25/``), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and len(value) <= 200:  # bounded: no regex over a huge string
        m = re.search(r"(\d+)/?$", value)  # "/v1/folders/25/" in the stale doc examples
        return int(m.group(1)) if m else None
    return None


def json_str(value: Any, limit: int = TEXT_LIMIT) -> str | None:
    """A string field made safe to show and capped, or None when it is not a string."""
    if not isinstance(value, str):
        return None
    # Most fields (URLs, GUIDs, states) are short printable text without a space: what
    # safe_text would return unchanged, without its work (a batch answer has a few per URL).
    if len(value) <= limit and " " not in value and value.isprintable():
        return value
    return safe_text(value, limit)


def json_float(value: Any) -> float:
    """A number field as a float (0.0 when missing, not a number or absurdly large)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if abs(value) < 1e9 else 0.0
    return 0.0


def json_text(value: Any, limit: int = TEXT_LIMIT) -> str:
    """Like :func:`json_str`, with "" for a missing or non-string value."""
    text = json_str(value, limit)
    return "" if text is None else text


def json_id(value: Any) -> int:
    """A required integer id (an int, or a short digit string); anything else is a TypeError."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or len(str(value)) > 20:
        raise TypeError("not an id")
    return int(value)


def decode_messages(message: Any) -> list[str]:
    """Every human message inside a capture job ``message`` (a JSON string) or an error body."""
    if message is None:
        return []
    if isinstance(message, str):
        try:
            decoded = json.loads(message)
        except (ValueError, RecursionError):  # RecursionError: a hostile, deeply nested string
            return [message] if message.strip() else []
        if isinstance(decoded, str):
            return [decoded]
        return collect_strings(decoded)
    return collect_strings(message)


def collect_strings(value: Any) -> list[str]:
    """All strings in an arbitrary JSON value, depth first (dict of lists, list, string...).

    Iterative, so a deeply nested hostile body cannot exhaust the stack.
    """
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.strip():
                out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return out
