"""BibTeX: bibtexparser locates entries (:mod:`.locate`), a value scanner gives exact offsets
(:mod:`.scan`, :mod:`.values`), and edits are spliced in the entry's own layout (:mod:`.layout`)."""

#: the format's name, as ``--from`` takes it
NAME = "bibtex"
#: the file suffixes it reads, lower-case with the dot
SUFFIXES = (".bib",)
#: its :class:`~permify.formats.base.Adapter`, in :mod:`.adapter` (imported only when used)
ADAPTER = "BibtexAdapter"
