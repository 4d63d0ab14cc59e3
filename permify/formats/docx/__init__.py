"""Word (.docx, .docm): the zip package (:mod:`.package`), Word's XML names (:mod:`.xml`),
which paragraphs may cite (:mod:`.paragraphs`), URLs in a story (:mod:`.scan`, with
:mod:`.hits`, :mod:`.fields`, :mod:`.managers` for reference managers and :mod:`.existing`
for Perma links already there), and insertion (:mod:`.write`) behind the adapter."""

#: the format's name, as ``--from`` takes it
NAME = "docx"
#: the file suffixes it reads, lower-case with the dot
SUFFIXES = (".docx", ".docm")
#: its :class:`~permify.formats.base.Adapter`, in :mod:`.adapter` (imported only when used)
ADAPTER = "DocxAdapter"
