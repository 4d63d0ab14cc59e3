"""Configuration of the sandbox: timing, URL patterns, quota, faults, persistence, keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: The demo user's API key (40 lowercase hex characters, like a real Perma key).
DEMO_API_KEY = "de305d5475b4431badb2eb6b9e5460140000d3e0"
#: A second, unrelated user's key: their folders and archives give 403 to the demo user.
OTHER_API_KEY = "07e4a1c9b2f35d6e8a0b1c2d3e4f5a6b7c8d9e0f"
#: A key that belongs to an inactive account: every request with it gives 401.
INACTIVE_API_KEY = "1a2c7fe0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4"

#: Default and maximum page size of every list (Perma's ``PAGE_SIZE``, which newer servers enforce).
PAGE_SIZE = 300
#: Cap of the folder lists (Perma's ``API_LONG_PAGE_SIZE``; its real value is not public).
LONG_PAGE_SIZE = 1000
#: Depth limit of the public archive list (Perma's ``API_MAX_PAGES``; real value not public).
API_MAX_PAGES = 10
#: Seconds after creation when a link becomes permanent and can no longer be deleted.
ARCHIVE_DELAY = 24 * 3600.0

FAULT_KINDS = ("500", "502", "503", "429", "drop", "slow")


@dataclass(frozen=True)
class FaultConfig:
    """Random fault injection, applied to each API request before (or, for ``drop``, after) its work.

    ``rate`` is the probability that a request gets a fault; the kind is drawn from ``kinds``
    with a RNG seeded by ``seed``. ``500``/``502``/``503`` answer a plain-text error without
    doing the work; ``429`` answers with ``Retry-After: retry_after`` without doing the work;
    ``drop`` does the work (commits it) and closes the socket without answering; ``slow``
    waits ``slow_seconds`` and then answers normally.
    """

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: float = 1
    slow_seconds: float = 0.2

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox run.

    Timing: a new capture job is ``pending`` for ``queue_seconds``, then ``in_progress`` for
    ``capture_seconds``, then ``completed`` (or ``failed`` when its URL matches one of
    ``fail_patterns``). Time comes from ``clock`` (seconds since the epoch), so tests can
    inject a fake clock; nothing runs in the background. ``validation_seconds`` is a real
    delay per submitted URL, like Perma's synchronous URL validation.

    URLs matching ``invalid_patterns`` (``fnmatch``, case-insensitive, on the normalised
    URL) are rejected at validation with "Couldn't resolve domain.".

    ``personal_link_limit`` is each user's quota in personal folders (``None``: unlimited).
    ``state_path``, when set, is a JSON file loaded at start and rewritten after every
    mutating request, so a restarted sandbox continues where it stopped. ``seed`` makes
    GUIDs reproducible; without one (``None``, the default) each sandbox draws its own, so
    two demo runs never show one GUID for different URLs. ``port`` 0 picks a free port; the server binds 127.0.0.1 only.
    """

    capture_seconds: float = 1.0
    queue_seconds: float = 0.0
    validation_seconds: float = 0.0
    fail_patterns: tuple[str, ...] = ("*capture-fails*",)
    invalid_patterns: tuple[str, ...] = ("*.invalid*", "*does-not-resolve*")
    personal_link_limit: int | None = 10
    faults: FaultConfig = field(default_factory=FaultConfig)
    state_path: str | None = None
    clock: Callable[[], float] = time.time
    seed: int | None = None
    port: int = 0
