"""Word (.docx, .docm): the zip package (:mod:`.package`), tag names (:mod:`.xml`), URLs in a
story (:mod:`.scan`, :mod:`.fields`), and insertion (:mod:`.write`) behind the adapter."""
