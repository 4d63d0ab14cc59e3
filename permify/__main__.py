"""``python -m permify``: the same as the ``permify`` command."""

from __future__ import annotations

from .cli.main import entry_point

entry_point()
