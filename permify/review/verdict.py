"""The verdict on one capture: ``ok``, ``suspect`` or ``failed``, why, and the facts behind it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any, Literal

VerdictStatus = Literal["ok", "suspect", "failed"]

#: What to do about a suspect or failed capture. Within 24 hours of its creation a file can be
#: uploaded to the record in place of the capture, and a rerun then inserts the link.
ADVICE = (
    "open {link} and look at the capture; if it is not the page, upload a PDF or screenshot "
    "of the page there (\"Upload file\" in the record details), then rerun"
)
#: After 24 hours Perma no longer lets anyone replace an archive's contents.
ADVICE_PERMANENT = (
    "open {link} and look at the capture; its contents can no longer be replaced (it is over "
    "24 hours old), so if it is not the page, make a new Perma link for the page (or upload a PDF "
    "or screenshot of it as a new archive) and cite that instead"
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
    uploaded stands for the capture) and ``is_private`` (None when unknown). ``url`` is the URL
    the archive was made of (compare it with the URL the document cites) and ``permanent_at``
    the ISO time after which Perma no longer lets its contents be replaced.
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
    url: str | None = None
    permanent_at: str | None = None

    @property
    def ok(self) -> bool:
        """True when the capture can be cited."""
        return self.status == "ok"

    @property
    def perma_url(self) -> str | None:
        """``https://perma.cc/GUID``, when the GUID is known."""
        return f"https://perma.cc/{self.guid}" if self.guid else None

    def replaceable(self, now: datetime | None = None) -> bool | None:
        """True while a file may still be uploaded in place of the capture (None: unknown)."""
        if not self.permanent_at:
            return None
        try:
            moment = datetime.fromisoformat(self.permanent_at)
        except ValueError:
            return None
        return (now or datetime.now(timezone.utc)) < moment

    @property
    def advice(self) -> str:
        """What a person should do next ('' when ok), judged at the current time."""
        return self.advice_at(None)

    def advice_at(self, now: datetime | None) -> str:
        """What a person should do next ('' when ok), judged at ``now`` (None: the current time)."""
        if self.ok:
            return ""
        if not self.checked:
            return "rerun to check this archive again"
        link = self.perma_url or "the Perma link"
        if self.rule in ("not-found", "not-public", "not-a-guid"):
            return f"{link} cannot be cited: make a new Perma link for the page and cite that instead"
        return (ADVICE_PERMANENT if self.replaceable(now) is False else ADVICE).format(link=link)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (for reports and the ledger)."""
        # Every field is a plain value (str, int, bool, None), so this is what dataclasses.asdict
        # gives, without its recursive deep copy (which cost more than the rest of storing it).
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """Rebuild a verdict stored with :meth:`to_json` (unknown keys are ignored)."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})
