"""Benchmark the .docx adapter against the lxml + zlib floor and pandoc's own docx round trip.

Run from the repository root: ``python bench/bench_docx.py [--footnotes N] [--rounds N]``. It
makes a document with 2,000 footnotes citing 3,000 URLs (pandoc, from generated Markdown),
then times, interleaved (each round runs every item below once, in this order):

* floor: what lxml and zlib alone need for the parts the rewrite reads and writes (see
  :func:`lxml_floor`): work no rewrite that edits parsed trees can skip;
* full rewrite: read the file, parse, insert a Perma link after every URL, write the file;
* pandoc: ``pandoc -f docx -t docx`` on the same file, what a pandoc-based tool would do
  (the binary shipped by pypandoc-binary);
* extraction: ``DocxAdapter().parse(bytes)`` (open, parse, scan every story part);
* python-docx: ``docx.Document(path).save(out)``, for information only: it copies the notes
  parts as opaque blobs, so it is not a floor for a rewrite that must edit them.

Ratios are taken per round (the rewrite against the floor that ran just before it and
against the pandoc run just after it) and their median is compared with the goals: a full
rewrite at most 3.0x the floor and at most 0.25x pandoc's round trip. Exit status 1 if a
goal is missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _timing import Comparison, interleave, print_ratio, print_times

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_markdown(footnotes: int) -> str:
    """Paragraphs citing ``footnotes`` notes; notes alternate one and two URLs (3 per 2 notes)."""
    body, notes = [], []
    for i in range(1, footnotes + 1):
        if i % 10 == 1:
            body.append("")
        body.append(f"Sentence {i} of the argument relies on a web source.[^{i}]")
        if i % 2:
            notes.append(f"[^{i}]: See [Source {i}](https://example.org/source/{i}) (2024).")
        else:
            notes.append(
                f"[^{i}]: See https://example.com/report/{i}?page=2 and "
                f"<https://news.example.net/{i}/story.html>."
            )
    return "\n".join(body) + "\n\n" + "\n".join(notes) + "\n"


def lxml_floor(original: bytes, rewritten: bytes) -> Callable[[], object]:
    """What lxml and zlib alone need for the parts a rewrite must read and write: parse
    ``document.xml``, ``footnotes.xml`` and their ``.rels`` from the original, serialise the
    rewritten notes and their ``.rels`` and deflate them. Any rewrite that edits parsed trees
    does at least this, timed without permify; python-docx copies both notes parts as blobs."""
    import io
    import zipfile
    import zlib

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(original)) as z:
        read = [z.read(n) for n in ("word/document.xml", "word/_rels/document.xml.rels",
                                    "word/footnotes.xml", "word/_rels/footnotes.xml.rels")]
    with zipfile.ZipFile(io.BytesIO(rewritten)) as z:
        written = [etree.fromstring(z.read(n)) for n in ("word/footnotes.xml",
                                                         "word/_rels/footnotes.xml.rels")]

    def run() -> object:
        for data in read:
            etree.fromstring(data)
        for root in written:
            zlib.compress(etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False))
        return None

    return run


def main(argv: list[str] | None = None) -> int:
    """Build the document, time the runs interleaved and print the figures and goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footnotes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    args = parser.parse_args(argv)

    import docx
    import pypandoc

    from permify.formats.base import RewriteOptions
    from permify.formats.docx.adapter import DocxAdapter

    pandoc = pypandoc.get_pandoc_path()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.docx"
        out = Path(tmp) / "out.docx"
        pypandoc.convert_text(make_markdown(args.footnotes), "docx", format="markdown",
                              outputfile=str(src))
        data = src.read_bytes()
        doc = DocxAdapter().parse(data, str(src))
        links = {c.index: f"https://perma.cc/{c.index % 10000:04d}-ABCD" for c in doc.citations}
        print(f"document: {src.stat().st_size} bytes, {args.footnotes} footnotes, "
              f"{len(doc.citations)} cited URLs")

        def extract() -> object:
            return DocxAdapter().parse(src.read_bytes(), str(src))

        def rewrite() -> object:
            parsed = DocxAdapter().parse(src.read_bytes(), str(src))
            return out.write_bytes(parsed.rewrite(links, RewriteOptions(date="2024-01-01T00:00:00Z")))

        def pandoc_round_trip() -> object:
            return subprocess.run([pandoc, "-f", "docx", "-t", "docx", str(src), "-o", str(Path(tmp) / "pandoc.docx")],
                                  check=True)

        def python_docx() -> object:
            docx.Document(str(src)).save(str(Path(tmp) / "pd.docx"))
            return None

        rewrite()
        runs = {"floor": lxml_floor(data, out.read_bytes()), "rewrite": rewrite, "pandoc": pandoc_round_trip,
                "extract": extract, "python-docx": python_docx}
        times = interleave(args.rounds, runs)
    print_times(times, {
        "floor": "lxml + zlib floor (parse 4 parts, serialise + deflate 2)",
        "rewrite": "permify full rewrite",
        "pandoc": "pandoc -f docx -t docx",
        "extract": "permify extraction",
        "python-docx": "python-docx open + save (blob copy of the notes)",
    })
    met = print_ratio("full rewrite / floor", Comparison(times["rewrite"], times["floor"]), goal=3.0)
    met &= print_ratio("full rewrite / pandoc", Comparison(times["rewrite"], times["pandoc"]), goal=0.25)
    print_ratio("extraction / floor", Comparison(times["extract"], times["floor"]))
    print_ratio("extraction / pandoc", Comparison(times["extract"], times["pandoc"]))
    print_ratio("full rewrite / python-docx (information)", Comparison(times["rewrite"], times["python-docx"]))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
