"""Reading documents, classifying what they cite, and writing them back atomically.

This is the part of the data flow on either side of the archiver:
``bytes -> Adapter.parse -> citations -> urls.classify -> unique keys`` before it, and
``{key: Outcome} -> ParsedDocument.rewrite -> atomic write`` after it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from .errors import InputError, OutputError
from .formats.base import CitedUrl, ParsedDocument, ScanOptions, adapter_for, format_for_path
from .urls import Classification, classify, dedupe_key, perma_guid

if TYPE_CHECKING:  # the archiver's values load where they are made: listing URLs needs none of them
    from .archiving.outcomes import Outcome, UrlRequest

__all__ = [
    "Citation",
    "CitationState",
    "DocumentScan",
    "atomic_write",
    "default_output_path",
    "linked_in_documents",
    "perma_links_for",
    "scan_document",
    "url_requests",
    "write_problem",
]

MAX_INPUT_BYTES = 512 * 1024 * 1024

#: What happens to one citation: a Perma link is already beside it, it is not archivable, or
#: it is to be archived.
CitationState = Literal["linked", "skip", "archive"]


# Named tuples, not dataclasses: every command that reads a document defines them, and a
# frozen dataclass costs a good part of a millisecond of a quick command's start-up.
class Citation(NamedTuple):
    """A cited URL with its classification and dedupe key.

    ``state`` is ``linked`` (a Perma link is already beside it), ``skip`` (not archivable:
    see ``classification.reason``) or ``archive``.
    """

    cited: CitedUrl
    classification: Classification
    key: str

    @property
    def state(self) -> CitationState:
        """``linked``, ``skip`` or ``archive``."""
        if self.cited.existing_archive:
            return "linked"
        return "archive" if self.classification.archive else "skip"


class DocumentScan(NamedTuple):
    """One parsed document and what it cites; ``data`` is the input exactly as read."""

    path: str
    format: str
    parsed: ParsedDocument
    citations: tuple[Citation, ...]
    data: bytes

    @property
    def to_archive(self) -> list[Citation]:
        """Citations that need an archive."""
        return [c for c in self.citations if c.state == "archive"]


def read_input(path: str | Path) -> bytes:
    """The bytes of ``path`` (``-`` is stdin); :class:`InputError` with one clear line otherwise."""
    name = str(path)
    if name == "-":
        return sys.stdin.buffer.read()
    p = Path(name)
    if not p.exists():
        raise InputError(name, "no such file")
    if p.is_dir():
        raise InputError(name, "is a directory; give the manuscript file inside it")
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(name, f"file is too large ({size // (1024 * 1024)} MB)")
        return p.read_bytes()
    except PermissionError:
        raise InputError(name, "permission denied; check the file's permissions") from None
    except OSError as error:
        raise InputError(name, f"cannot read ({error.strerror or error})") from None


def scan_document(
    path: str | Path,
    *,
    fmt: str | None = None,
    archive_doi: bool = False,
    data: bytes | None = None,
    options: ScanOptions | None = None,
) -> DocumentScan:
    """Read and parse one document and classify every URL it cites. No network.

    A citation the format itself skips (``CitedUrl.skip_reason``) is classified as skipped
    with that reason; ``options`` also carries the hosts to skip or include.
    """
    name = str(path)
    format_name = format_for_path(name, fmt)
    adapter = adapter_for(format_name)
    if name == "-" and not adapter.textual:
        raise InputError(name, f"{format_name} cannot be read from stdin; pass the file path")
    raw = read_input(name) if data is None else data
    parsed = adapter.parse(raw, name) if options is None else adapter.parse_with(raw, name, options)
    hosts = options or ScanOptions()
    citations = tuple(
        Citation(
            cited,
            Classification(False, cited.skip_reason) if cited.skip_reason
            else classify(cited.url, archive_doi=archive_doi, skip_hosts=hosts.skip_hosts,
                          include_hosts=hosts.include_hosts),
            dedupe_key(cited.url),
        )
        for cited in parsed.citations
    )
    return DocumentScan(name, format_name, parsed, citations, raw)


def url_requests(scans: Iterable[DocumentScan]) -> list[UrlRequest]:
    """One :class:`UrlRequest` per unique URL to archive across documents, in first-cited order."""
    from .archiving.outcomes import UrlRequest
    from .frozen import assemble

    found: dict[str, UrlRequest] = {}
    for scan in scans:
        for citation in scan.to_archive:
            where = f"{scan.path}: {citation.cited.location}"
            prior = found.get(citation.key)
            if prior is None:  # one per URL: see permify.frozen
                found[citation.key] = assemble(UrlRequest, {"key": citation.key, "url": citation.cited.url,
                                                            "title": citation.cited.title, "locations": (where,)})
            else:
                found[citation.key] = UrlRequest(
                    prior.key, prior.url, prior.title or citation.cited.title, (*prior.locations, where)
                )
    return list(found.values())



def linked_in_documents(scans: Iterable[DocumentScan]) -> dict[str, Outcome]:
    """URLs to archive that already have a Perma link beside them somewhere in the documents:
    that link is reused for their other citations, with no request (status ``reused``)."""
    from .archiving.outcomes import Outcome

    scans = list(scans)
    linked: dict[str, Outcome] = {}
    for scan in scans:
        for c in scan.citations:
            guid = perma_guid(c.cited.existing_archive or "")
            if c.state == "linked" and guid and c.key not in linked:
                linked[c.key] = Outcome(c.key, c.cited.url, "reused", guid, "Perma link found in the document")
    needed = {c.key for scan in scans for c in scan.to_archive}
    return {key: outcome for key, outcome in linked.items() if key in needed}


def perma_links_for(scan: DocumentScan, outcomes: Mapping[str, Outcome]) -> dict[int, str]:
    """The ``{citation index: perma URL}`` mapping to rewrite ``scan`` with."""
    links: dict[int, str] = {}
    for citation in scan.to_archive:
        outcome = outcomes.get(citation.key)
        if outcome is not None and outcome.insertable and outcome.perma_url:
            links[citation.cited.index] = outcome.perma_url
    return links


def default_output_path(path: str | Path) -> Path:
    """``<stem>.perma<suffix>`` beside the input."""
    p = Path(path)
    return p.with_name(f"{p.stem}.perma{p.suffix}")


def write_problem(path: str | Path, error: OSError) -> str:
    """One line for a failed write: the path, what went wrong and what to do."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{path}: cannot write: the disk is full; free some space and run again"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: cannot write ({error.strerror}); fix the permissions or choose another output"
    return f"{path}: cannot write ({error.strerror or error})"


def atomic_write(path: str | Path, data: bytes, *, like: str | Path | None = None) -> None:
    """Write ``data`` to ``path`` so that it is either the old file or the new one, never half.

    A temporary file in the same folder is written, flushed and fsynced, then renamed over the
    target. ``like`` copies that file's permission bits. Raises
    :class:`~permify.errors.OutputError` with one line naming the path (read-only folder,
    full disk); the target is then unchanged and no temporary file is left.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    import shutil  # imported where files are written: listing URLs never needs them
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise OutputError(write_problem(target, error)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if like is not None and Path(like).exists():
            shutil.copymode(like, tmp)
        os.replace(tmp, target)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(write_problem(target, error)) from None
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
