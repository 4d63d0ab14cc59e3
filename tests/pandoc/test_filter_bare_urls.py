"""The pandoc filter on bare URLs that are plain text in pandoc's tree (real pandoc, the
sandbox on loopback): default pandoc Markdown, Word read by pandoc, citeproc output; quoted
URLs, Perma links already there, and agreement with ``permify urls`` on the same URLs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from permify.sandbox import Sandbox
from permify.urls import dedupe_key

pytestmark = pytest.mark.pandoc

ROOT = Path(__file__).resolve().parents[2]
FILTER = ROOT / "filters" / "permify_filter.py"

ESSAY = """\
---
title: Bare URLs
---

The report is at https://www.ftc.gov/reports/dark-patterns. The opinion
(https://www.supremecourt.gov/opinions/19-783.pdf), and see https://a.gov/x, https://b.gov/y.

He wrote: "visit https://q.gov/straight to complain." She said “see https://q.gov/curly here.”

Already done: https://done.gov/page [https://perma.cc/ABCD-2345] and
https://done.gov/other (perma.cc/EFGH-2345).

Not cited: `https://code.gov/x`, https://doi.org/10.1145/1.2 and
https://1.next.westlaw.com/Document/I0/View/FullText.html.

[A pipe](https://pipe.gov/a|b) in a link target.
"""


def env_for(tmp_path: Path, sb: Sandbox, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PERMIFY_CONFIG=str(tmp_path / "no-config.ini"),
        PERMIFY_LEDGER=str(tmp_path / "ledger.sqlite3"),
        PERMIFY_POLL_INITIAL="0.05",
        PERMA_API_URL=sb.base_url, PERMA_API_KEY=sb.api_key, PERMIFY_FOLDER=str(sb.org_folder_id),
    )
    env.update(extra)
    return env


def run_pandoc(pandoc: str, args: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run([pandoc, *args, "--wrap=none", "--filter", str(FILTER)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout


def archived(sb: Sandbox) -> dict[str, str]:
    links = sb.links(folder_id=sb.org_folder_id)
    assert len({link.url for link in links}) == len(links), "a URL was archived twice"
    return {link.url: link.guid for link in links}


def test_default_pandoc_markdown_bare_urls_are_archived_in_place(pandoc_path: str, sandbox: Sandbox,
                                                               tmp_path: Path) -> None:
    src = tmp_path / "essay.md"
    src.write_text(ESSAY, encoding="utf-8")
    out = run_pandoc(pandoc_path, [str(src), "-t", "markdown"], env_for(tmp_path, sandbox), tmp_path)
    guids = archived(sandbox)
    assert set(guids) == {
        "https://www.ftc.gov/reports/dark-patterns",
        "https://www.supremecourt.gov/opinions/19-783.pdf",
        "https://a.gov/x",
        "https://b.gov/y",
        "https://pipe.gov/a%7Cb",  # pandoc's spelling of the link target
    }
    ftc = guids["https://www.ftc.gov/reports/dark-patterns"]
    # The text stays as written; the Perma link goes right after the URL, before the period.
    # (pandoc's Markdown writer escapes the literal brackets)
    assert f"https://www.ftc.gov/reports/dark-patterns \\[<https://perma.cc/{ftc}>\\]." in out
    court = guids["https://www.supremecourt.gov/opinions/19-783.pdf"]
    assert f"(https://www.supremecourt.gov/opinions/19-783.pdf \\[<https://perma.cc/{court}>\\])," in out
    assert out.count("perma.cc/ABCD-2345") == 1 and out.count("perma.cc/EFGH-2345") == 1
    # A second build archives nothing new and inserts the same links.
    again = run_pandoc(pandoc_path, [str(src), "-t", "markdown"], env_for(tmp_path, sandbox), tmp_path)
    assert again == out and archived(sandbox) == guids


def test_quoted_urls_are_left_alone_unless_asked(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "essay.md"
    src.write_text(ESSAY, encoding="utf-8")
    run_pandoc(pandoc_path, [str(src), "-t", "html5"], env_for(tmp_path, sandbox), tmp_path)
    assert not any("q.gov" in url for url in archived(sandbox))
    asked = tmp_path / "asked.md"
    asked.write_text(ESSAY.replace("title: Bare URLs", "permify:\n  include-quoted: true\n  skip-hosts: [ftc.gov]"),
                     encoding="utf-8")
    html = run_pandoc(pandoc_path, [str(asked), "-t", "html5"], env_for(tmp_path, sandbox), tmp_path)
    urls = set(archived(sandbox))
    assert {"https://q.gov/straight", "https://q.gov/curly"} <= urls
    assert "https://www.ftc.gov/reports/dark-patterns. The opinion" in html  # on the skip list now


def test_the_filter_and_permify_agree_on_a_pipe_in_a_link(pandoc_path: str, sandbox: Sandbox,
                                                         tmp_path: Path) -> None:
    """`permify archive` first, then the filter with the same ledger: nothing archived twice."""
    assert dedupe_key("https://pipe.gov/a|b") == dedupe_key("https://pipe.gov/a%7Cb")
    src = tmp_path / "essay.md"
    src.write_text(ESSAY, encoding="utf-8")
    env = env_for(tmp_path, sandbox)
    proc = subprocess.run([sys.executable, "-m", "permify", "archive", str(src), "-o", str(tmp_path / "out.md"),
                           "-q"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    before = archived(sandbox)
    assert "https://pipe.gov/a|b" in before
    run_pandoc(pandoc_path, [str(src), "-t", "html5"], env, tmp_path)
    assert archived(sandbox) == before


def test_word_read_by_pandoc_and_citeproc_output(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    docx = tmp_path / "draft.docx"
    (tmp_path / "draft.md").write_text("A footnote cites a page.[^1]\n\n[^1]: See https://w.gov/report.\n",
                                       encoding="utf-8")
    subprocess.run([pandoc_path, "draft.md", "-o", str(docx)], cwd=tmp_path, check=True, timeout=60)
    out = run_pandoc(pandoc_path, [str(docx), "-t", "markdown"], env_for(tmp_path, sandbox), tmp_path)
    guid = archived(sandbox)["https://w.gov/report"]
    assert f"https://w.gov/report \\[<https://perma.cc/{guid}>\\]." in out

    (tmp_path / "refs.bib").write_text(
        "@book{r, title = {A Report}, author = {Doe, Jane}, year = 2020,\n"
        "  publisher = {Agency, https://n.gov/report/2020}}\n", encoding="utf-8")
    (tmp_path / "cite.md").write_text("---\nbibliography: refs.bib\n---\n\nAs shown [@r].\n", encoding="utf-8")
    html = run_pandoc(pandoc_path, ["cite.md", "--citeproc", "-t", "html5"], env_for(tmp_path, sandbox), tmp_path)
    guid = archived(sandbox)["https://n.gov/report/2020"]
    assert re.search(rf"https://n\.gov/report/2020 \[<a href=\"https://perma\.cc/{guid}\"", html), html


def test_filter_options_for_hosts_and_quotations(tmp_path: Path) -> None:
    from permify.errors import ConfigError
    from permify.pandoc.config import load_filter_config

    env = {"PERMIFY_CONFIG": str(tmp_path / "none.ini"), "PERMIFY_SKIP_HOSTS": "a.example, b.example"}
    config = load_filter_config({"include-hosts": ["HeinOnline.org"], "include-quoted": True}, env=env)
    assert config.skip_hosts == ("a.example", "b.example")
    assert config.include_hosts == ("heinonline.org",)
    assert config.include_quoted
    with pytest.raises(ConfigError, match="permify option skip-hosts"):
        load_filter_config({"skip-hosts": "bad$host"}, env=env)


def test_spots_in_a_pandoc_tree() -> None:
    """Links and bare URLs of one inline list, quoted or not, with Perma links beside them."""
    import io

    import panflute as pf
    import pypandoc

    from permify.pandoc.cited import find_lists, spots_in

    src = ('Smith, “[Link Rot](https://t.gov/a),” Blog. "See [it](https://q.gov/a) now." '
           "Bare https://b.gov/x, https://b.gov/y. Done https://d.gov/z perma.cc/ABCD-2345.")
    doc = pf.load(io.StringIO(pypandoc.convert_text(src, "json", format="markdown")))
    found: list[tuple[pf.ListContainer, bool]] = []
    find_lists(doc.content, found)
    spots = [spot for container, quoted in found for spot in spots_in(container.list, quoted)]
    # The paragraph's own list first, then the Quoted element's.
    assert [(s.url, s.quoted) for s in spots] == [
        ("https://t.gov/a", False),
        ("https://b.gov/x", False),
        ("https://b.gov/y", False),
        ("https://q.gov/a", True),
    ]
