"""How often and how long a request is retried: :class:`RetryPolicy` and ``Retry-After``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

__all__ = ["RetryPolicy", "retry_after_seconds"]


class RetryPolicy:
    """How often and how long to retry. Subclass and override to change the rules.

    Parameters: ``max_retries`` (retries after the first attempt), ``backoff`` (seconds before
    the second retry; the first retry waits ``backoff`` too), ``max_delay`` (cap on one wait,
    also applied to ``Retry-After``), ``random`` (jitter source, injectable for tests), and
    ``total`` (seconds for one request, attempts and waits together: no retry starts, and no
    retry runs, past it; so a silent server costs at most about ``total`` per run).
    """

    def __init__(
        self,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_delay: float = 60.0,
        random: Callable[[], float] = random.random,
        total: float = 180.0,
    ) -> None:
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self.random = random
        self.total = total

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        base = min(self.backoff * (2 ** (attempt - 1)), self.max_delay)
        # Full jitter between half and all of the exponential delay: spreads a crowd of
        # clients (a `make -j` of pandoc builds) without ever retrying instantly.
        return base * (0.5 + 0.5 * self.random())


def retry_after_seconds(response: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds from now (number or HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    import email.utils  # only for an HTTP-date Retry-After: a warm run never loads the email package

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # Python 3.10+ raises on garbage; fall back to the backoff
        return None
    if parsed.tzinfo is None:  # "-0000" gives a naive datetime; HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=timezone.utc)
    return max(0.0, parsed.timestamp() - time.time())
