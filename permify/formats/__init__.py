"""Document formats: one adapter per format behind the interface in :mod:`permify.formats.base`."""

from __future__ import annotations

from .base import (
    FORMATS,
    Adapter,
    CitedUrl,
    ParsedDocument,
    RewriteOptions,
    adapter_for,
    format_for_path,
    supported_suffixes,
)

__all__ = [
    "FORMATS",
    "Adapter",
    "CitedUrl",
    "ParsedDocument",
    "RewriteOptions",
    "adapter_for",
    "format_for_path",
    "supported_suffixes",
]
