"""permify: archive every URL a manuscript cites with Perma.cc, and write the Perma links back."""

from __future__ import annotations

from ._version import __version__
from .errors import PermifyError

__all__ = ["PermifyError", "__version__"]
