"""The verdict on one capture: ``ok``, ``suspect`` or ``failed``, why, and the facts behind it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

VerdictStatus = Literal["ok", "suspect", "failed"]

#: What to do about a suspect or failed capture (Perma links cannot be deleted after 24 hours,
#: but a file can be uploaded to the record within that time, and a rerun then inserts the link).
ADVICE = (
    "open {link} and look at the capture; if it is not the page, upload a PDF or screenshot "
    "of the page there (\"Upload file\" in the record details), then rerun"
)


@dataclass(frozen=True)
class Verdict:
    """What the review concluded about one Perma archive.

    ``status`` is ``ok`` (the capture holds the page), ``suspect`` (it exists but looks wrong,
    or could not be checked: a person should look) or ``failed`` (there is no usable capture:
    Perma says the capture failed, the archive is gone, or the origin answered 404/410/5xx).
    ``reason`` is one short phrase a person understands (``"origin answered 403: bot wall
    (Cloudflare)"``); ``rule`` names the rule that decided (``None`` when ok), so callers can
    count or filter without parsing text. ``checked`` is False when the review itself could not
    run (network trouble): the status is then ``suspect`` and a rerun checks again.

    The facts it was judged from: the origin's ``http_status``, the ``content_type`` (MIME type
    only), ``size`` (body bytes read, at most the read cap; ``truncated`` when the cap cut it),
    the page ``title`` and its ``words`` of visible text; plus ``user_upload`` (a file the user
    uploaded stands for the capture) and ``is_private`` (None when unknown).
    """

    status: VerdictStatus
    reason: str
    guid: str | None = None
    rule: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    size: int | None = None
    truncated: bool = False
    title: str | None = None
    words: int | None = None
    user_upload: bool = False
    is_private: bool | None = None
    checked: bool = True

    @property
    def ok(self) -> bool:
        """True when the capture can be cited."""
        return self.status == "ok"

    @property
    def perma_url(self) -> str | None:
        """``https://perma.cc/GUID``, when the GUID is known."""
        return f"https://perma.cc/{self.guid}" if self.guid else None

    @property
    def advice(self) -> str:
        """What a person should do next ('' when ok)."""
        if self.ok:
            return ""
        if not self.checked:
            return "rerun to check this archive again"
        return ADVICE.format(link=self.perma_url or "the Perma link")

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (for reports and the ledger)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """Rebuild a verdict stored with :meth:`to_json` (unknown keys are ignored)."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
