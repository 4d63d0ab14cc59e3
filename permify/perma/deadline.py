"""A hard deadline for one HTTP exchange: connecting, waiting, every read and the whole body.

``requests`` has only per-operation timeouts: a server that sends one byte a second, or
trickles its headers, never trips them. :class:`Deadline` adds the missing total. While one
is active in a thread, every connection that thread's requests use (through
:class:`DeadlineAdapter`, mounted by :class:`~permify.perma.session.PermaSession`) is
registered with it, and when the deadline passes a watchdog thread shuts those sockets down:
the blocked read returns at once and the request fails with a ``requests`` error, which the
session turns into a timeout naming the ``--timeout`` option.

One watchdog serves every deadline of the process (a daemon thread with a heap of deadlines,
started on first use): a thread per request cost more CPU than the request itself. Entering a
deadline pushes it on the heap and wakes the watchdog only when it is the earliest; leaving
one marks it done, and the watchdog drops it when it comes up (or when done ones crowd the heap).
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Deadline", "DeadlineAdapter"]

_active = threading.local()


class Deadline:
    """The deadline of one attempt of one request; use as a context manager around it.

    ``seconds`` from entering. ``expired`` tells, afterwards, whether the watchdog cut the exchange.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = max(seconds, 0.001)
        self.end = time.monotonic() + self.seconds
        self.expired = False
        self.done = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (at least a millisecond, so it can be used as a socket timeout)."""
        return max(self.end - time.monotonic(), 0.001)

    def __enter__(self) -> Deadline:
        _active.deadline = self
        # Counted from entering, as the timer thread it replaces was.
        self.end = time.monotonic() + self.seconds
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _active.deadline = None
        with self._lock:
            self.done = True
            self._connections.clear()
        _WATCHDOG.finished()

    def watch(self, connection: HTTPConnection) -> None:
        """Register a connection about to carry this attempt's request."""
        with self._lock:
            if self.expired:
                _shut(connection)
            else:
                self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            for connection in self._connections:
                _shut(connection)


class _Watchdog:
    """The one thread that expires every :class:`Deadline` of the process, earliest first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()  # ties never compare deadlines
        self._done = 0  # finished deadlines still on the heap
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        if hasattr(os, "register_at_fork"):
            # A forked child has no watchdog thread, and its lock may have been held at the fork.
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._heap, self._done, self._thread = [], 0, None
        self._wake = threading.Condition(threading.Lock())

    def add(self, deadline: Deadline) -> None:
        """Watch ``deadline`` until it ends or is finished."""
        with self._wake:
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._watch, daemon=True, name="permify-deadlines")
                self._thread.start()
            earliest = not self._heap or deadline.end < self._heap[0][0]
            heapq.heappush(self._heap, (deadline.end, next(self._order), deadline))
            if earliest:
                self._wake.notify()

    def finished(self) -> None:
        """Note that a deadline on the heap was left; compact when finished ones crowd it."""
        with self._wake:
            self._done += 1
            if self._done > 64 and self._done * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._done = 0

    def _watch(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    _, _, deadline = heapq.heappop(self._heap)
                    if deadline.done:
                        self._done = max(self._done - 1, 0)
                    else:
                        deadline._expire()  # its own lock only: never blocks on a request
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()


def _shut(connection: HTTPConnection) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed: nothing is blocked on it
            pass


def _register(connection: HTTPConnection) -> None:
    deadline = getattr(_active, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A ``requests`` transport whose connections obey the active :class:`Deadline`.

    (Requests sent through a proxy use urllib3's own pools and keep only the per-read timeouts.)
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with connection pools that register their connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
