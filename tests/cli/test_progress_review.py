"""The progress display shows the review's verdicts as they come and lists the flagged ones at the end."""

from __future__ import annotations

import io

from permify.archiving.outcomes import ProgressEvent
from permify.cli.progress import Progress
from permify.review import Verdict

WALL = "https://www.example.com/cloudflare-wall/ruling"


def _events() -> list[ProgressEvent]:
    suspect = Verdict("suspect", "origin answered 403: bot wall (Cloudflare)", guid="AB2C-D3EF", rule="cloudflare")
    ok = Verdict("ok", "captured 200 page, 300 words", guid="XY7Z-8W9V")
    return [
        ProgressEvent("found", "2 unique URLs to archive", 2),
        ProgressEvent("captured", "https://a.example/ -> https://perma.cc/XY7Z-8W9V", url="https://a.example/",
                      guid="XY7Z-8W9V", verdict=ok),
        ProgressEvent("suspect", f"{WALL} -> https://perma.cc/AB2C-D3EF (origin answered 403: bot wall (Cloudflare))",
                      url=WALL, guid="AB2C-D3EF", verdict=suspect),
    ]


def test_suspect_verdicts_are_printed_counted_and_listed_at_the_end() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=False)
    for event in _events():
        progress(event)
    progress.close()
    text = stream.getvalue()
    assert progress.counts["suspect"] == 1 and progress.counts["captured"] == 1
    assert f"suspect: {WALL} -> https://perma.cc/AB2C-D3EF (origin answered 403: bot wall (Cloudflare))" in text
    closing = text.split("need")[1]
    assert "its link was left out of the document" in closing
    assert f"{WALL}  https://perma.cc/AB2C-D3EF" in closing and "Upload file" in closing
    assert "a.example" not in closing


def test_live_status_line_counts_suspect_and_quiet_prints_nothing() -> None:
    live = io.StringIO()
    progress = Progress(live, live=True, insert_suspect=True)
    for event in _events():
        progress(event)
    progress.close()
    assert "| 1 suspect |" in live.getvalue() and "inserted anyway (--insert-suspect)" in live.getvalue()
    quiet = io.StringIO()
    silent = Progress(quiet, verbosity=0, live=False)
    for event in _events():
        silent(event)
    silent.close()
    assert quiet.getvalue() == ""
