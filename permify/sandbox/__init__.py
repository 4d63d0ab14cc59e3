"""A local Perma.cc-compatible API server: the sandbox.

It speaks Perma's API v1 as described in ``docs/perma-api.md`` (paths, JSON shapes, status
codes, exact error bodies, GUIDs, capture jobs that complete over time, batches, folders,
quota, pagination whose ``next`` is never null) on 127.0.0.1, with standard-library parts
only. Faults (5xx, 429, dropped connections, slow answers, failed captures) can be injected.

Example::

    from permify.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(capture_seconds=0.5)) as sb:
        print(sb.base_url, sb.api_key, sb.personal_folder_id)
"""

from __future__ import annotations

from permify.sandbox.config import (
    DEMO_API_KEY,
    INACTIVE_API_KEY,
    OTHER_API_KEY,
    FaultConfig,
    SandboxConfig,
)
from permify.sandbox.faults import RequestRecord
from permify.sandbox.server import LinkRecord, Sandbox, serve

__all__ = [
    "DEMO_API_KEY",
    "INACTIVE_API_KEY",
    "OTHER_API_KEY",
    "FaultConfig",
    "LinkRecord",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "serve",
]
