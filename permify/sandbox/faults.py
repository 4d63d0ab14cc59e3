"""Fault injection and the request log the tests assert on."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from permify.sandbox.config import FAULT_KINDS, FaultConfig

#: The plain-text bodies the fronting proxies answer with.
ERROR_TEXT = {"500": "Internal Server Error", "502": "Bad Gateway", "503": "Service Unavailable"}


@dataclass
class _Target:
    kind: str
    method: str | None
    path_contains: str | None
    times: int


class FaultInjector:
    """Decides, per request, whether to inject a fault: targeted ones first, then random ones.

    The random draw uses its own RNG seeded from :class:`FaultConfig`, and is consumed only
    when ``rate`` is positive, so the same request sequence gets the same faults.
    """

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._targets: list[_Target] = []

    def inject(self, kind: str, *, method: str | None = None, path_contains: str | None = None,
               times: int = 1) -> None:
        """Give the next ``times`` matching requests fault ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {FAULT_KINDS}")
        with self._lock:
            self._targets.append(_Target(kind, method.upper() if method else None,
                                         path_contains, times))

    def clear(self) -> None:
        """Forget pending targeted faults."""
        with self._lock:
            self._targets.clear()

    def pick(self, method: str, path: str) -> str | None:
        """The fault for this request, or None."""
        with self._lock:
            for target in self._targets:
                if target.method not in (None, method):
                    continue
                if target.path_contains is not None and target.path_contains not in path:
                    continue
                target.times -= 1
                if target.times <= 0:
                    self._targets.remove(target)
                return target.kind
            if self.config.rate > 0 and self._rng.random() < self.config.rate:
                return self._rng.choice(self.config.kinds)
        return None


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it. ``status`` is 0 when the connection was dropped."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    had_api_key_query: bool
    had_auth_header: bool
    body_length: int
    fault: str | None = None


@dataclass
class RequestLog:
    """A thread-safe list of :class:`RequestRecord`."""

    _records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: RequestRecord) -> None:
        """Append a record."""
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records so far."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
