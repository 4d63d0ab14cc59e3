"""Judge one capture from its archive record and its WARC (pure: no network)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from ..perma.models import Archive, Capture
from .errors import ReviewError
from .page import read_page
from .rules import CAPTURE_CHECKS, HTML_TYPES, Facts, first_match
from .verdict import Verdict
from .warc import BODY_CAP, PrimaryResponse, read_primary

#: Perma's ARCHIVE_DELAY: after this long an archive's contents can no longer be replaced.
_REPLACEABLE_FOR = timedelta(hours=24)


def _stamp(verdict: Verdict, archive: Archive) -> Verdict:
    """Add the archive's URL and the time its contents become permanent."""
    permanent = archive.archive_timestamp or (
        archive.creation_timestamp + _REPLACEABLE_FOR if archive.creation_timestamp else None)
    return replace(verdict, url=archive.url or None, permanent_at=permanent.isoformat() if permanent else None)


def _check(name: str, archive: Archive | None = None, *, guid: str | None = None, problem: str = "",
           **facts: Any) -> Verdict:
    """A verdict from :data:`CAPTURE_CHECKS` (``problem`` fills ``{problem}`` in the reason)."""
    check = CAPTURE_CHECKS[name]
    return Verdict(
        status=check.status,
        reason=check.reason.format(problem=problem),
        guid=archive.guid if archive is not None else guid,
        rule=name,
        is_private=archive.is_private if archive is not None else None,
        checked=name != "unchecked",
        **facts,
    )


def _upload(archive: Archive) -> Capture | None:
    return next((c for c in archive.captures if c.user_upload and c.status == "success"), None)


def _primary(archive: Archive) -> Capture | None:
    return next((c for c in archive.captures if c.role == "primary"), None)


def precheck(archive: Archive) -> Verdict | None:
    """The verdict decided by the archive record alone, or None when the WARC must be read.

    A file the user uploaded (``user_upload`` with status ``success``) stands for the capture:
    ok. A failed primary capture is ``failed``; a pending one ``suspect`` (not finished).
    """
    verdict = _precheck(archive)
    return _stamp(verdict, archive) if verdict is not None else None


def _precheck(archive: Archive) -> Verdict | None:
    upload = _upload(archive)
    if upload is not None:
        kind = upload.content_type or "a file"
        return Verdict("ok", f"the user uploaded {kind}", guid=archive.guid, content_type=upload.content_type,
                       user_upload=True, is_private=archive.is_private)
    primary = _primary(archive)
    if primary is None:
        return _check("no-capture", archive)
    if primary.status == "failed":
        return _check("capture-failed", archive)
    if primary.status != "success":
        return _check("capture-pending", archive)
    return None


def review_capture(archive: Archive, warc_bytes: bytes | None, expected_title: str | None = None, *,
                   body_cap: int = BODY_CAP, complete: bool = True) -> Verdict:
    """Judge ``archive`` from its record and the bytes of its WARC download (None: no WARC).

    ``expected_title`` is what the document calls the page (link text, BibTeX title); it only
    matters when the captured title looks like an error (see the ``title-mismatch`` rule).
    Never raises on bad input: an empty, non-gzip or truncated WARC is a ``suspect`` verdict.
    ``complete=False`` says the bytes are a capped prefix of the download, so a WARC that
    breaks off at the end is expected and not held against the capture.
    """
    return _stamp(_review(archive, warc_bytes, expected_title, body_cap, complete), archive)


def unreadable(archive: Archive, problem: str) -> Verdict:
    """The verdict on a capture whose WARC cannot be read (``problem`` says why)."""
    return _stamp(_check("warc-unreadable", archive, problem=problem), archive)


def page_url(archive: Archive) -> str:
    """The URL whose record in the WARC is the page: the primary capture's, else the archive's."""
    primary = _primary(archive)
    return (primary.url if primary and primary.url else None) or archive.url


def _review(archive: Archive, warc_bytes: bytes | None, expected_title: str | None, body_cap: int,
            complete: bool) -> Verdict:
    decided = _precheck(archive)
    if decided is not None:
        return decided
    if warc_bytes is None:
        return _check("warc-missing", archive)
    try:
        response = read_primary(warc_bytes, page_url(archive), body_cap=body_cap, guid=archive.guid)
    except ReviewError as error:
        return _check("warc-unreadable", archive, problem=error.problem)
    return _judge(archive, response, expected_title, complete)


def judge_page(archive: Archive, response: PrimaryResponse, expected_title: str | None = None, *,
               complete: bool = True) -> Verdict:
    """Judge the page :func:`~permify.review.warc.read_primary` found in ``archive``'s WARC
    (the record decides first, as in :func:`review_capture`). ``complete=False``: the WARC was
    cut by the download cap, so damage where it breaks off is not held against the capture."""
    decided = _precheck(archive)
    return _stamp(decided or _judge(archive, response, expected_title, complete), archive)


def _judge(archive: Archive, response: PrimaryResponse, expected_title: str | None, complete: bool) -> Verdict:
    if response.damaged and complete:
        return _check("warc-unreadable", archive,
                      problem=f"the WARC is damaged or truncated ({response.damaged})")
    content_type = response.content_type
    if not content_type and response.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        content_type = "text/html"
    facts = Facts(http_status=response.status, content_type=content_type, size=len(response.body),
                  expected_title=expected_title)
    if content_type in HTML_TYPES:
        page = read_page(response.body, response.raw_content_type)
        facts = Facts(http_status=response.status, content_type=content_type, size=len(response.body),
                      title=page.title, text=page.text, words=page.words, markup=page.markup,
                      expected_title=expected_title)
    known: dict[str, Any] = {
        "http_status": facts.http_status, "content_type": content_type or None, "size": facts.size,
        "truncated": response.truncated, "title": facts.title or None,
        "words": facts.words if facts.is_html else None,
    }
    rule = first_match(facts)
    if rule is not None:
        return Verdict(rule.status, rule.explain(facts), guid=archive.guid, rule=rule.name,
                       is_private=archive.is_private, **known)
    if any(c.role == "screenshot" and c.status == "failed" for c in archive.captures):
        return _check("screenshot-failed", archive, **known)
    return Verdict("ok", _summary(facts), guid=archive.guid, is_private=archive.is_private, **known)


def _summary(facts: Facts) -> str:
    status = facts.http_status if facts.http_status is not None else "?"
    if facts.is_html:
        return f"captured {status} page, {facts.words} words"
    return f"captured {status} {facts.content_type or 'file'}, {facts.size} bytes"
