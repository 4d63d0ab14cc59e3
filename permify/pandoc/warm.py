"""The warm build: when the ledger already holds a reusable archive of every cited URL, the
filter takes the Perma links from the ledger file alone.

A document is built many times and its URLs are archived by the first build; every later one
finds them all in the ledger and sends nothing. On that path the archiver, a run's bookkeeping,
the site and its Perma client cost more start-up time than the filter's own work, so they are
not loaded: :func:`warm_outcomes` resolves the same settings and reads the same ledger with
:func:`~permify.archiving.ledger_lookup.reused_from_ledger`, which applies the archiver's own
rule to each entry. Anything else (a URL never archived, a flagged capture, a folder never
resolved, a settings problem) gives None, and the filter takes the archiver's path, which
reports or settles it exactly as it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ..archiving.ledger_file import default_ledger_path
from ..archiving.ledger_lookup import reused_from_ledger
from ..archiving.outcomes import Outcome, UrlRequest
from ..config import load_settings
from ..errors import PermifyError
from ..perma.defaults import check_base_url

__all__ = ["warm_outcomes"]


def warm_outcomes(
    folder: str, timeout: float | None, requests: Mapping[str, UrlRequest]
) -> tuple[dict[str, Outcome], dict[str, str]] | None:
    """What archiving ``requests`` (by dedupe key) into ``folder`` gives when the ledger answers
    every one: the outcome of each, as the archiver returns it, and the day the ledger recorded
    each archive, as :func:`permify.known_archives` reads it. None when the ledger cannot
    answer them all alone.

    The settings are resolved as the filter's :class:`~permify.site.ArchiveSite` resolves them
    (``folder`` and ``timeout`` as given, then the environment and the config file), so the
    same API host, folder spec and ledger file are read.
    """
    try:
        settings = load_settings(folder=folder, timeout=timeout)
        check_base_url(settings.api_url)
    except PermifyError:
        return None  # the archiver's path meets the same problem and reports it
    found = reused_from_ledger(
        settings.ledger or default_ledger_path(), urlsplit(settings.api_url).netloc, settings.folder or "",
        list(requests),
    )
    if found is None:
        return None
    outcomes = {
        key: Outcome(key, req.url, "reused", found[key].guid, None, req.locations, verdict=found[key].review)
        for key, req in requests.items()
    }
    dates = {key: answer.created_at[:10] for key, answer in found.items() if answer.created_at[:10]}
    return outcomes, dates
