"""A hard deadline for one HTTP exchange: connecting, waiting, every read and the whole body.

``requests`` has only per-operation timeouts: a server that sends one byte a second, or
trickles its headers, never trips them. :class:`Deadline` adds the missing total. While one
is active in a thread, every connection that thread's requests use (through
:class:`DeadlineAdapter`, mounted by :class:`~permify.perma.session.PermaSession`) is
registered with it, and when the deadline passes a timer thread shuts those sockets down:
the blocked read returns at once and the request fails with a ``requests`` error, which the
session turns into a timeout naming the ``--timeout`` option.
"""

from __future__ import annotations

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

    ``seconds`` from entering. ``expired`` tells, afterwards, whether the timer cut the exchange.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = max(seconds, 0.001)
        self.end = time.monotonic() + self.seconds
        self.expired = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        """Seconds left (at least a millisecond, so it can be used as a socket timeout)."""
        return max(self.end - time.monotonic(), 0.001)

    def __enter__(self) -> Deadline:
        _active.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _active.deadline = None
        with self._lock:
            self._connections.clear()

    def watch(self, connection: HTTPConnection) -> None:
        """Register a connection about to carry this attempt's request."""
        with self._lock:
            if self.expired:
                _shut(connection)
            else:
                self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _shut(connection)


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
