"""Small evil inputs, built in memory: each costs little to store and a lot to read naively.

Every builder returns the file's bytes; :data:`CASES` lists them with the file suffix and what
permify must do with them (read them correctly, or refuse them with exit 2 and one line).
Sizes stay under 2 MB, the bound the tests hold permify to (see docs/limits.md).
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from docx_fixtures import DATE, build_docx, para, run

__all__ = ["CASES", "HostileCase", "lying_sizes"]

MB = 1_000_000
_URL = "https://example.org/a"


@dataclass(frozen=True)
class HostileCase:
    """One evil input: ``build()`` gives its bytes; ``refused`` when permify must exit 2 (None:
    exit 2, or read correctly)."""

    name: str
    suffix: str
    build: Callable[[], bytes]
    refused: bool | None = False
    #: a URL the output must list (for inputs read correctly)
    expect: str | None = None


# --------------------------------------------------------------------------- BibTeX


def bib_doubling_strings(levels: int = 40) -> bytes:
    """``@string`` definitions that each repeat the previous one twice: 2**levels characters."""
    lines = ['@string{s0 = "https://example.org/a "}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, levels + 1)]
    lines.append(f"@misc{{doubled, note = s{levels}, url = s{levels}}}")
    lines.append("@misc{fine, url = {https://example.org/fine}}")
    return "\n".join(lines).encode()


def bib_wide_strings(entries: int = 2000) -> bytes:
    """A macro of 8,192 short URLs (90 KB), cited by ``entries`` entries."""
    lines = ['@string{s0 = "http://a.bc "}']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 14)]
    lines += [f"@misc{{e{i}, note = s13}}" for i in range(entries)]
    lines.append("@misc{fine, url = {https://example.org/fine}}")
    return "\n".join(lines).encode()


def many_urls(fmt: str, size: int = 1_900_000) -> bytes:
    """As many short URLs as fit in ``size`` bytes (no amplification: the baseline)."""
    urls = "http://a.bc " * (size // 12 - 10)
    if fmt == ".bib":
        return f"@misc{{a, note = {{{urls}}}}}\n@misc{{b, url = {{https://example.org/fine}}}}\n".encode()
    return f"{urls}\n\nAnd https://example.org/fine.\n".encode()


def bib_closers(closer: str, size: int = MB) -> bytes:
    """A URL in a note followed by ``size`` characters of ``closer``, then a plain entry."""
    tail = (closer * (size // len(closer)))
    return (f"@misc{{a, note = {{see {_URL}{tail}}}}}\n"
            "@misc{b, url = {https://example.org/fine}}\n").encode()


def bib_url_commands(command: str, size: int = MB) -> bytes:
    r"""``\url{`` (or ``\href{``) repeated, each closed only at the end of the note."""
    n = size // (len(command) + 2)
    if command == "href":
        value = r"\href{" * n + _URL + "}{x}" * n
    else:
        value = r"\url{" * n + _URL + "}" * n
    return (f"@misc{{a, note = {{see {_URL} {value}}}}}\n"
            "@misc{b, url = {https://example.org/fine}}\n").encode()


def bib_deep_braces(size: int = MB) -> bytes:
    """A title nested ``size / 2`` braces deep."""
    n = size // 2
    return (f"@misc{{a, title = {'{' * n}x{'}' * n}, url = {{https://example.org/fine}}}}\n").encode()


def bib_many_hashes(size: int = MB) -> bytes:
    """A url field concatenating a hundred thousand macros."""
    n = size // 6
    return ('@string{u = "a"}\n@misc{a, url = "https://example.org/" # '
            + " # ".join(["u"] * n) + "}\n").encode()


# --------------------------------------------------------------------------- Markdown


def md_closers(closer: str, size: int = MB) -> bytes:
    """A URL followed by ``size`` characters of ``closer``, then a plain URL."""
    return f"See {_URL}{closer * (size // len(closer))}\n\nAnd https://example.org/fine.\n".encode()


def md_repeated(chunk: str, size: int = MB) -> bytes:
    """``chunk`` repeated to ``size`` characters in one paragraph, then a plain URL.

    The paragraph starts with a word, so that three backticks do not open a code block.
    """
    return ("Text " + chunk * (size // len(chunk)) + "\n\nAnd https://example.org/fine.\n").encode()


def md_nested_links(depth: int = 20_000) -> bytes:
    """Links nested ``depth`` deep: ``[[[...](u)](u)](u)``."""
    return ("[" * depth + "x" + f"]({_URL})" * depth + "\n\nAnd https://example.org/fine.\n").encode()


# --------------------------------------------------------------------------- Word


def docx_closers(closer: str, size: int = MB) -> bytes:
    """One run holding a URL and ``size`` characters of ``closer``."""
    return build_docx(para(run(_URL + closer * (size // len(closer)))) + para(run("https://example.org/fine")))


def docx_split_closers(n: int = 100_000) -> bytes:
    """A URL followed by ``n`` runs of one ``)`` each (Word splits runs at every change)."""
    return build_docx(para(run(_URL), *[run(")")] * n) + para(run("https://example.org/fine")))


def docx_url_paragraphs(n: int = 150_000) -> bytes:
    """``n`` paragraphs of one URL each (12 MB of XML; each URL a citation)."""
    return build_docx("".join(para(run(f"https://example.org/p{i}")) for i in range(n))
                      + para(run("https://example.org/fine")))


def docx_deep_nesting(depth: int = 20_000) -> bytes:
    """A paragraph inside ``depth`` nested ``w:sdt``/``w:sdtContent`` (XML depth; the part stays
    under 1 MiB, below the ratio check)."""
    inner = para(run(_URL))
    body = "<w:sdt><w:sdtContent>" * depth + inner + "</w:sdtContent></w:sdt>" * depth
    return build_docx(body)


def docx_billion_laughs() -> bytes:
    """A document part declaring entities that expand a billion times."""
    ents = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    doc = build_docx(para(run("&l9;")))
    return _replace_member(doc, "word/document.xml", lambda data: data.replace(
        b"?>\r\n", f'?>\r\n<!DOCTYPE w:document [{ents}]>'.encode(), 1))


def docx_big_part(size: int = 480 * 1024 * 1024) -> bytes:
    """A document whose main part inflates to ``size`` bytes, under the ratio cap: each MiB is
    white space with a comment of random letters, which deflates about 300 times."""
    rng = random.Random(0)
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(3000))
    filler = ("<!--" + letters + "-->").encode()
    block = filler + b" " * ((1 << 20) - len(filler))
    return _main_part_inflating(block, size // len(block), honest=True)


def docx_duplicate_member() -> bytes:
    """Two members named ``word/document.xml`` (the second one stale)."""
    base = build_docx(para(run(_URL)))
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a") as z:
        info = zipfile.ZipInfo("word/document.xml", DATE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr(info, build_docx_document(para(run("https://example.org/stale"))))
    return out.getvalue()


def build_docx_document(body: str) -> bytes:
    """The ``word/document.xml`` :func:`build_docx` writes for ``body``."""
    with zipfile.ZipFile(io.BytesIO(build_docx(body))) as z:
        return z.read("word/document.xml")


def lying_sizes(size: int = 1024 * 1024 * 1024) -> bytes:
    """The main part inflates to ``size`` bytes while its headers declare a few hundred."""
    return _main_part_inflating(b" " * (1 << 20), size >> 20, honest=False)


def _main_part_inflating(block: bytes, count: int, honest: bool) -> bytes:
    """A package whose ``word/document.xml`` has ``block`` repeated ``count`` times inside
    ``w:body``; its headers declare the true size, or (``honest=False``) the small original's.

    Each block is deflated once and its bytes repeated: a full flush between blocks makes
    every copy independent of what came before, so the stream stays valid.
    """
    base = build_docx(para(run(_URL)))
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        doc = src.read("word/document.xml")
    cut = doc.index(b"<w:body>") + len(b"<w:body>")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(doc[:cut]) + compressor.flush(zlib.Z_FULL_FLUSH)
    chunk = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(doc[cut:]) + compressor.flush()
    crc = zlib.crc32(doc[:cut])
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(doc[cut:], crc)
    size = len(doc) + count * len(block)
    if not honest:
        size, crc = len(doc), zlib.crc32(doc)
    return _with_raw_member(base, "word/document.xml", head + chunk * count + tail, size, crc)


def _replace_member(data: bytes, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info, edit(body) if info.filename == name else body)
    return out.getvalue()


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


def _with_raw_member(data: bytes, name: str, deflated: bytes, declared_size: int, crc: int) -> bytes:
    """``data`` with member ``name`` replaced by raw ``deflated`` data whose headers declare
    ``declared_size`` inflated bytes (the truth or a lie)."""
    members: list[tuple[str, int, bytes, int, int]] = []  # name, method, raw, size, crc
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            if info.filename == name:
                members.append((name, zipfile.ZIP_DEFLATED, deflated, declared_size, crc))
            else:
                body = src.read(info.filename)
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                members.append((info.filename, zipfile.ZIP_DEFLATED, c.compress(body) + c.flush(),
                                len(body), zlib.crc32(body)))
    out = io.BytesIO()
    central = io.BytesIO()
    for member, method, raw, size, member_crc in members:
        encoded = member.encode()
        offset = out.tell()
        out.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 0x21, member_crc, len(raw), size,
                              len(encoded), 0))
        out.write(encoded)
        out.write(raw)
        central.write(_CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, member_crc,
                                    len(raw), size, len(encoded), 0, 0, 0, 0, 0, offset))
        central.write(encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(central.getvalue()),
                        start, 0))
    return out.getvalue()


CASES: list[HostileCase] = [
    HostileCase("bib-doubling-strings", ".bib", bib_doubling_strings, expect="https://example.org/fine"),
    HostileCase("bib-wide-strings", ".bib", bib_wide_strings, expect="https://example.org/fine"),
    HostileCase("bib-many-urls", ".bib", lambda: many_urls(".bib"), expect="https://example.org/fine"),
    HostileCase("md-many-urls", ".md", lambda: many_urls(".md"), expect="https://example.org/fine"),
    *[HostileCase(f"bib-closers-{n}", ".bib", lambda c=c: bib_closers(c), expect="https://example.org/fine")
      for n, c in (("paren", ")"), ("bracket", "]"), ("dot", "."), ("amp", "&amp;"), ("backslash-url", "\\url"))],
    HostileCase("bib-nested-url-commands", ".bib", lambda: bib_url_commands("url"),
                expect="https://example.org/fine"),
    HostileCase("bib-nested-href-commands", ".bib", lambda: bib_url_commands("href"),
                expect="https://example.org/fine"),
    HostileCase("bib-deep-braces", ".bib", bib_deep_braces, expect="https://example.org/fine"),
    HostileCase("bib-many-hashes", ".bib", bib_many_hashes),
    *[HostileCase(f"md-closers-{n}", ".md", lambda c=c: md_closers(c), expect="https://example.org/fine")
      for n, c in (("paren", ")"), ("bracket", "]"), ("dot", "."), ("amp", "&amp;"))],
    *[HostileCase(f"md-repeated-{n}", ".md", lambda c=c: md_repeated(c), expect="https://example.org/fine")
      for n, c in (("angle", "<"), ("backtick", "`"),
                   ("backtick-runs", "`a``b"), ("url-in-quotes", 'https://"'),
                   ("url-open-paren", "https://x.org/("), ("backslash", "\\"),
                   ("latex-url", "\\url{"), ("entity", "&amp;"), ("autolinks", "<https://x.org/a>"))],
    # over the caps on '[' and on emphasis markers: refused at once
    *[HostileCase(f"md-repeated-{n}", ".md", lambda c=c: md_repeated(c), refused=True)
      for n, c in (("star", "*"), ("underscore", "_"), ("tilde", "~"))],
    *[HostileCase(f"md-190k-{n}", ".md", lambda c=c: md_repeated(c, 190_000),
                  expect="https://example.org/fine") for n, c in (("star", "*"), ("underscore", "_"))],
    *[HostileCase(f"md-repeated-{n}", ".md", lambda c=c: md_repeated(c), refused=True)
      for n, c in (("open-bracket", "["), ("bracket-paren", "[a]("), ("bang-bracket", "!["),
                   ("brackets-pairs", "[]"), ("link-like", "[a](https://x.org/"), ("footnote-mark", "[^"))],
    # just under it: parsed in bounded time when closed, refused by depth when left open
    *[HostileCase(f"md-50k-{n}", ".md", lambda c=c: md_repeated(c, 49_000 * len(c)),
                  expect="https://example.org/fine", refused=refused)
      for n, c, refused in (("open-bracket", "[", True), ("bracket-paren", "[a](", False),
                            ("bang-bracket", "![", True), ("footnote-mark", "[^", True),
                            ("links", "[a](https://x.org/a) ", False))],
    HostileCase("md-nested-links", ".md", md_nested_links, refused=None),
    *[HostileCase(f"docx-closers-{n}", ".docx", lambda c=c: docx_closers(c), expect="https://example.org/fine")
      for n, c in (("paren", ")"), ("bracket", "]"), ("dot", "."))],
    HostileCase("docx-split-closers", ".docx", docx_split_closers, expect="https://example.org/fine"),
    # just under the cap on parsed XML (12 MiB): many elements, many URLs
    HostileCase("docx-runs-at-cap", ".docx", lambda: docx_split_closers(270_000),
                expect="https://example.org/fine"),
    HostileCase("docx-urls-at-cap", ".docx", docx_url_paragraphs, expect="https://example.org/fine"),
    HostileCase("docx-deep-nesting", ".docx", docx_deep_nesting, refused=True),
    HostileCase("docx-billion-laughs", ".docx", docx_billion_laughs, refused=None),
    HostileCase("docx-lying-sizes", ".docx", lying_sizes, refused=True),
    HostileCase("docx-big-part", ".docx", docx_big_part, refused=True),
    HostileCase("docx-duplicate-member", ".docx", docx_duplicate_member, refused=True),
]
