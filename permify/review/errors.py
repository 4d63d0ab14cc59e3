"""The review's error: a WARC or an archive that cannot be read or fetched for review."""

from __future__ import annotations

from ..errors import PermifyError


class ReviewError(PermifyError):
    """Raised when a capture cannot be reviewed: its WARC is empty, not gzip, truncated before
    the page, or its download took longer than the review's time budget.

    :func:`~permify.review.review_capture` turns it into a ``suspect`` verdict; only callers
    of the lower-level :func:`~permify.review.warc.read_primary` see it. Attributes:
    ``problem``, a short phrase such as ``"the WARC is not gzip"``, and ``guid`` (or None).
    """

    def __init__(self, problem: str, *, guid: str | None = None) -> None:
        where = f"archive {guid}: " if guid else ""
        super().__init__(f"{where}{problem}")
        self.problem = problem
        self.guid = guid
