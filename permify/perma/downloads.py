"""Reading a streamed download's body: chunk by chunk for a reader that may stop early, or
saved whole to a file (atomically) or an open stream. Used by :class:`~permify.perma.client.PermaClient`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import requests

from ..errors import DownloadInterruptedError

__all__ = ["body_chunks", "save_body"]


def body_chunks(response: Any) -> Iterator[bytes]:
    """A streamed body chunk by chunk; one that breaks off mid-stream is a
    :class:`~permify.errors.DownloadInterruptedError` (no requests exception may escape the client)."""
    try:
        yield from response.iter_content(65536)
    except requests.RequestException as error:
        raise DownloadInterruptedError(
            f"the download from {response.url.split('?')[0]} broke off ({type(error).__name__}); try again",
            status=response.status_code,
        ) from None


def save_body(response: Any, dest: str | Path | BinaryIO) -> int:
    """Write the body to ``dest`` (a path, written atomically, or an open binary stream) and
    close the response; returns the bytes written."""
    written = 0
    try:
        if not isinstance(dest, (str, os.PathLike)):  # an open binary stream
            for chunk in body_chunks(response):
                dest.write(chunk)
                written += len(chunk)
            return written
        path = Path(dest)
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "wb") as out:
                for chunk in body_chunks(response):
                    out.write(chunk)
                    written += len(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)  # never leave a truncated WARC behind
            raise
        tmp.replace(path)
        return written
    finally:
        response.close()
