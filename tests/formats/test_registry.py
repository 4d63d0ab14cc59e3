"""The format registry: suffixes come from the formats' own declarations, adapters load lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

from permify.errors import UnsupportedFormatError
from permify.formats.base import adapter_for, format_for_path, supported_suffixes


@pytest.mark.parametrize("name", ["markdown", "bibtex", "docx"])
def test_every_suffix_an_adapter_declares_maps_to_it(name: str) -> None:
    adapter = adapter_for(name)
    assert adapter.name == name and adapter_for(name) is adapter
    for suffix in adapter.suffixes:
        assert format_for_path(f"paper{suffix.upper()}") == name
        assert suffix in supported_suffixes()


def test_supported_suffixes_are_exactly_the_adapters() -> None:
    declared = {s for name in ("markdown", "bibtex", "docx") for s in adapter_for(name).suffixes}
    assert set(supported_suffixes()) == declared


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(UnsupportedFormatError, match="use one of bibtex, docx, markdown"):
        format_for_path("paper.txt", explicit="latex")


def test_importing_permify_loads_no_format_library() -> None:
    """A format's parser is imported only when a document of that format is read."""
    code = (
        "import sys, permify\n"
        "from permify.formats.base import format_for_path\n"
        "format_for_path('a.bib'); format_for_path('a.docx')\n"
        "print(sorted(m for m in ('lxml', 'bibtexparser', 'markdown_it') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
