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

from .errors import ReviewError
from .fetch import DOWNLOAD_BUDGET, DOWNLOAD_CAP, download_warc, review_archive, review_archives
from .judge import precheck, review_capture
from .rules import CAPTURE_CHECKS, RULES, Facts, Rule
from .verdict import Verdict, VerdictStatus
from .warc import BODY_CAP, PrimaryResponse, read_primary

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
]
