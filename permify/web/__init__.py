"""The editor's page: ``permify serve``, a local web page over the library.

A law-review editor drops manuscripts on the page, picks the Perma folder, unticks what
should not be archived, watches the archiving and downloads the clean and tracked copies
and the report. Everything goes through the library (:func:`permify.scan_documents`, the
exactly-once archiver, :func:`permify.build_report`); the page adds no archiving logic.

Modules: ``command`` (the ``serve`` subcommand; imports Flask only when it runs), ``app``
(the Flask app factory :func:`permify.web.app.create_app` and its routes), ``security``
(the per-server token, the loopback and host checks), ``desk`` (the per-server state: key,
folder, uploads, selection), ``runs`` (one archiving run on a worker thread: per-URL
progress, cancellation), ``engine`` (the calls into the library), ``outputs`` (the clean and
tracked copies, the report, the zip) and ``views`` (what the templates show).

This package's ``__init__`` imports nothing, so that ``permify.web.command`` can be imported
by the command line without loading Flask.
"""

from __future__ import annotations

__all__: list[str] = []
