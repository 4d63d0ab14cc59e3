#!/usr/bin/env python3
"""pandoc filter: add a Perma.cc link after every cited URL, archiving each URL once.

Usage: ``pandoc paper.md --citeproc --filter filters/permify_filter.py -o paper.pdf``
(the installed console script ``permify-filter`` is the same program). The logic lives in
:mod:`permify.pandoc.filter`; this file only makes it runnable by path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import panflute as pf

try:
    import permify.pandoc.filter as _filter
except ImportError:  # run from a source checkout without installing: use the package beside us
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import permify.pandoc.filter as _filter
    except ImportError as error:
        sys.exit(f"permify-filter: cannot import permify ({error}); install it with 'pip install permify' "
                 f"for {sys.executable}")


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    """Filter ``doc`` (a ``panflute.Doc``) in memory, or run as a pandoc filter on stdin/stdout."""
    return _filter.main(doc)


if __name__ == "__main__":
    main()
