"""Helpers for tests that start permify in a child process and signal it."""

from __future__ import annotations

import signal


def ctrl_c_delivered() -> None:
    """``preexec_fn`` for a child that the test interrupts with SIGINT: restore its default.

    A shell without job control starts background commands with SIGINT ignored, and children
    inherit that; Python then leaves it ignored and never raises KeyboardInterrupt, so a test
    run from such a shell (``pytest &`` in a script) would see the Ctrl-C go nowhere.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
