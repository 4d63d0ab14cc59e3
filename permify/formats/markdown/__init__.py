"""Markdown: an own scanner with exact byte offsets (:mod:`.scan`, :mod:`.inline`) behind the
adapter (:mod:`.adapter`)."""
