"""Markdown: an own scanner with exact byte offsets (:mod:`.scan`, :mod:`.inline`) behind the
adapter (:mod:`.adapter`)."""

#: the format's name, as ``--from`` takes it
NAME = "markdown"
#: the file suffixes it reads, lower-case with the dot
SUFFIXES = (".md", ".markdown", ".mdown")
#: its :class:`~permify.formats.base.Adapter`, in :mod:`.adapter` (imported only when used)
ADAPTER = "MarkdownAdapter"
