"""The exit statuses of the ``permify`` command and the ``permify-filter`` program."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitStatus"]


class ExitStatus(IntEnum):
    """What a process's exit status means (an ``int``, so ``sys.exit`` takes it as is)."""

    #: everything was done
    OK = 0
    #: done, but some URLs failed (or ``permify check`` found URLs with no Perma link; or a
    #: strict filter run could not archive)
    FAILED = 1
    #: bad usage, a missing key or folder, unreadable or invalid input: nothing was changed
    USAGE = 2
    #: interrupted (Ctrl-C): what was archived so far is in the ledger
    INTERRUPTED = 130
