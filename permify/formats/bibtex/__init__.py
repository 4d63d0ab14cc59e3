"""BibTeX: bibtexparser locates entries (:mod:`.locate`), a value scanner gives exact offsets
(:mod:`.scan`, :mod:`.values`), and edits are spliced in the entry's own layout (:mod:`.layout`)."""
