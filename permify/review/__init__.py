"""Capture review: know what Perma actually captured before a citation relies on it.

A Perma link that was created is not a page that was captured: Perma reports success when it
saved whatever the origin served, be it a Cloudflare challenge, an "Access Denied" page, a
login form, a 404 page or a cookie wall. The review reads each archive's record and the
primary response in its WARC, and gives a :class:`Verdict`: ``ok``, ``suspect`` (a person
should look) or ``failed``, with a short reason. The rules are one table in
:mod:`permify.review.rules`.

Example::

    from permify import PermaClient
    from permify.review import review_archives

    with PermaClient(api_key) as perma:
        for guid, verdict in review_archives(perma, ["ABCD-2345"]).items():
            print(guid, verdict.status, verdict.reason)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # the names below load on first use (PEP 562): importing the package stays cheap
    from .errors import ReviewError
    from .fetch import (
        DOWNLOAD_BUDGET,
        DOWNLOAD_CAP,
        download_warc,
        review_archive,
        review_archives,
        review_or_unchecked,
    )
    from .judge import precheck, review_capture
    from .rules import CAPTURE_CHECKS, RULES, Facts, Rule
    from .verdict import Verdict, VerdictStatus
    from .warc import BODY_CAP, PrimaryResponse, read_primary

# Where each public name lives; it is imported on first access (see __getattr__).
_LAZY = {
    'ReviewError': '.errors',
    'DOWNLOAD_BUDGET': '.fetch',
    'DOWNLOAD_CAP': '.fetch',
    'download_warc': '.fetch',
    'review_archive': '.fetch',
    'review_archives': '.fetch',
    'review_or_unchecked': '.fetch',
    'precheck': '.judge',
    'review_capture': '.judge',
    'CAPTURE_CHECKS': '.rules',
    'RULES': '.rules',
    'Facts': '.rules',
    'Rule': '.rules',
    'Verdict': '.verdict',
    'VerdictStatus': '.verdict',
    'BODY_CAP': '.warc',
    'PrimaryResponse': '.warc',
    'read_primary': '.warc',
}

__all__ = [
    "BODY_CAP",
    "CAPTURE_CHECKS",
    "DOWNLOAD_BUDGET",
    "DOWNLOAD_CAP",
    "RULES",
    "Facts",
    "PrimaryResponse",
    "ReviewError",
    "Rule",
    "Verdict",
    "VerdictStatus",
    "download_warc",
    "precheck",
    "read_primary",
    "review_archive",
    "review_archives",
    "review_capture",
    "review_or_unchecked",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
