"""The printed copy, rendered for real: a .bib written by permify, built with LaTeX, read back as text.

Each style is built with TeX Live (pdflatex, then biber or bibtex) and ``pdftotext``; the test
checks where each Perma link lands in the printed bibliography. What it shows is what
docs/bibtex.md says about ``--bib-print``:

- biblatex (default style) prints ``addendum`` right after the URL (after "(visited on ...)"
  when ``urldate`` is set), and ``note`` before it;
- natbib's ``plainnat`` prints ``note`` right after the URL, and never ``addendum``;
- urlbst's ``unsrturl`` prints ``note`` before the URL (no field is printed after it).

A URL inside ``note`` or ``howpublished`` is followed by its own link in every style.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from permify.formats.base import RewriteOptions
from permify.formats.bibtex.adapter import BibtexAdapter

pytestmark = [
    pytest.mark.latex,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pdflatex", "biber", "bibtex", "pdftotext")),
        reason="needs pdflatex, biber, bibtex and pdftotext",
    ),
]

SOURCE = r"""@online{web,
  author = {{Example Org}},
  title = {A Web Page},
  year = {2024},
  url = {https://example.com/a},
}
@online{zotero,
  author = {{Example Org}},
  title = {A Zotero Page},
  year = {2024},
  url = {https://example.com/b},
  urldate = {2024-05-01},
  note = {Consultation statement},
  addendum = {Public copy at \url{https://example.org/copy}},
}
@misc{twourls,
  author = {Doe, Jane},
  title = {Report With a PDF},
  year = {2023},
  url = {https://example.com/c},
  pdfurl = {https://example.com/c.pdf},
}
@misc{howpub,
  author = {Roe, Richard},
  title = {Published Online},
  year = {2022},
  howpublished = {\url{https://example.com/d}},
}
@misc{notes,
  author = {Poe, Edgar},
  title = {Two Links in a Note},
  year = {2021},
  note = {See \url{https://example.com/e} and https://example.com/f},
}
"""
LINKS = {
    "https://example.com/a": "https://perma.cc/2AAA-1111",
    "https://example.com/b": "https://perma.cc/3BBB-2222",
    "https://example.org/copy": "https://perma.cc/4CCC-3333",
    "https://example.com/c": "https://perma.cc/5DDD-4444",
    "https://example.com/c.pdf": "https://perma.cc/6EEE-5555",
    "https://example.com/d": "https://perma.cc/7FFF-6666",
    "https://example.com/e": "https://perma.cc/8GGG-7777",
    "https://example.com/f": "https://perma.cc/9HHH-8888",
}
#: URLs the styles print (pdfurl is in the .bib only, as pdfurl-perma)
PRIMARY = ("https://example.com/a", "https://example.com/b", "https://example.com/c")
INLINE = ("https://example.com/d", "https://example.com/e", "https://example.com/f")
#: in ``addendum``, which only biblatex prints
ADDENDUM = ("https://example.org/copy",)


def permified(mode: str) -> bytes:
    doc = BibtexAdapter().parse(SOURCE.encode(), "refs.bib")
    return doc.rewrite({c.index: LINKS[c.url] for c in doc.citations}, RewriteOptions(bib_print=mode))


def run(tmp: Path, *command: str) -> None:
    done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"


def build(tmp: Path, preamble: str, bib_mode: str, bibliography: str, backend: str) -> str:
    """Build a document listing every entry; its text with all white space removed."""
    (tmp / "refs.bib").write_bytes(permified(bib_mode))
    (tmp / "doc.tex").write_text(
        "\\documentclass{article}\n" + preamble + "\\usepackage{hyperref}\n"
        "\\begin{document}\n\\nocite{*}\n" + bibliography + "\\end{document}\n",
        encoding="utf-8",
    )
    latex = ("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc")
    run(tmp, *latex)
    run(tmp, backend, "doc")
    run(tmp, *latex)
    run(tmp, *latex)
    run(tmp, "pdftotext", "-layout", "doc.pdf", "doc.txt")  # -layout keeps a hyphen at a line end
    # line breaks inside URLs, biblatex's spaced-out URLs, justification: none of it matters here
    return re.sub(r"\s+", "", (tmp / "doc.txt").read_text(encoding="utf-8"))


def right_after(text: str, url: str) -> bool:
    """The URL's own link, in brackets, right after it (after the style's full stop or visit date)."""
    link = LINKS[url]
    return re.search(re.escape(url) + r"(?:\.|\(visitedon[^)]*\)\.)?\[" + re.escape(link) + r"\]", text) is not None


def printed_once(text: str, urls: tuple[str, ...]) -> None:
    """Each printed URL's link is printed once; no other link is printed at all."""
    for url, link in LINKS.items():
        assert text.count(link) == (1 if url in urls else 0), url  # pdfurl's link: in the .bib only


def test_biblatex_prints_addendum_right_after_the_url(tmp_path: Path) -> None:
    text = build(tmp_path, "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n",
                 "addendum", "\\printbibliography\n", "biber")
    for url in PRIMARY + INLINE + ADDENDUM:
        assert right_after(text, url), (url, text)
    printed_once(text, PRIMARY + INLINE + ADDENDUM)


def test_biblatex_prints_note_before_the_url(tmp_path: Path) -> None:
    text = build(tmp_path, "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n",
                 "note", "\\printbibliography\n", "biber")
    for url in PRIMARY:
        link = LINKS[url]
        assert text.index(f"[{link}]") < text.index(f"url:{url}"), url
    for url in INLINE + ADDENDUM:
        assert right_after(text, url), url
    printed_once(text, PRIMARY + INLINE + ADDENDUM)


@pytest.mark.parametrize("style", ["plainnat", "unsrturl"])
def test_bibtex_styles_print_note(tmp_path: Path, style: str) -> None:
    if style == "unsrturl" and not _has_bst(tmp_path, style):
        pytest.skip("unsrturl.bst (urlbst) is not installed")
    natbib = "\\usepackage[numbers]{natbib}" if style == "unsrturl" else "\\usepackage{natbib}"
    text = build(tmp_path, natbib + "\n\\usepackage{url}\n", "note",
                 f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n", "bibtex")
    for url in INLINE:
        assert right_after(text, url), url
    for url in PRIMARY:
        if style == "plainnat":
            assert right_after(text, url), url
        else:  # urlbst prints the note, then "URL: ..."
            assert re.search(re.escape(f"[{LINKS[url]}]") + r"[^\[]*URL:" + re.escape(url), text), url
    printed_once(text, PRIMARY + INLINE)


def test_addendum_is_not_printed_by_plainnat(tmp_path: Path) -> None:
    text = build(tmp_path, "\\usepackage{natbib}\n\\usepackage{url}\n", "addendum",
                 "\\bibliographystyle{plainnat}\n\\bibliography{refs}\n", "bibtex")
    for url in ("https://example.com/a", "https://example.com/c"):
        assert LINKS[url] not in text  # the reason `note` is the default


def _has_bst(tmp: Path, style: str) -> bool:
    done = subprocess.run(("kpsewhich", f"{style}.bst"), cwd=tmp, capture_output=True, text=True, timeout=30)
    return done.returncode == 0 and bool(done.stdout.strip())
