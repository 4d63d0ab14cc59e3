"""Shared by the command-line tests: captures are polled quickly (the sandbox finishes them
in a few hundredths of a second), so a test waits for what it tests, not for the poll interval."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll captures every 0.02 s at first instead of the default."""
    from permify.archiving import outcomes

    monkeypatch.setattr(outcomes.ArchiveOptions, "poll_initial", 0.02)
