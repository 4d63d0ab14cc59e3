"""The pandoc filter end to end: real pandoc (pypandoc-binary), the sandbox over real sockets."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from permify.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.pandoc

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "pandoc"
FILTER = ROOT / "filters" / "permify_filter.py"

#: The URLs of data/pandoc/paper.md that must be archived (the Cornell one is cited twice).
CITED = {
    "https://www.supremecourt.gov/opinions/23pdf/22-451_7m58.pdf",
    "https://www.law.cornell.edu/uscode/text/17/107",
    "https://en.wikipedia.org/wiki/Fair_use_(United_States)",
    "https://www.cdc.gov/flu/about/index.html",
}
CITATIONS = 5
PERMA_RE = re.compile(r'<a href="https://perma\.cc/([A-Za-z0-9-]+)"')


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox whose captures complete in 50 ms."""
    with Sandbox(SandboxConfig(capture_seconds=0.05)) as sb:
        yield sb


def closed_port_url() -> str:
    """An API base URL on a loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def make_env(tmp_path: Path, sb: Sandbox | None, **extra: str) -> dict[str, str]:
    """The environment of a pandoc run: sandbox settings, a tmp ledger, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
    env.update(
        PYTHONPATH=str(ROOT),  # the filter subprocess imports permify from this checkout
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PERMIFY_CONFIG=str(tmp_path / "no-config.ini"),
        PERMIFY_LEDGER=str(tmp_path / "ledger.sqlite3"),
        PERMIFY_POLL_INITIAL="0.05",
    )
    if sb is not None:
        env.update(PERMA_API_URL=sb.base_url, PERMA_API_KEY=sb.api_key, PERMIFY_FOLDER=str(sb.org_folder_id))
    env.update(extra)
    return env


def pandoc_args(pandoc: str, src: Path, to: str, *extra: str, filt: str = str(FILTER)) -> list[str]:
    """The command line of one build (bare URLs read as links, no line wrapping)."""
    return [pandoc, str(src), "-f", "markdown+autolink_bare_uris", "-t", to, "--wrap=none",
            *extra, "--filter", filt]


def build(pandoc: str, src: Path, to: str, env: dict[str, str], *extra: str,
          filt: str = str(FILTER), ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run pandoc with the filter; by default assert it succeeded. Never a traceback."""
    proc = subprocess.run(pandoc_args(pandoc, src, to, *extra, filt=filt), env=env, cwd=src.parent,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def links_by_url(sb: Sandbox) -> dict[str, str]:
    """url -> guid of the archives in the sandbox's organization folder (asserting one per URL)."""
    links = sb.links(folder_id=sb.org_folder_id)
    counts = Counter(link.url for link in links)
    assert all(n == 1 for n in counts.values()), counts
    return {link.url: link.guid for link in links}


def assert_html_permified(html: str, guids: dict[str, str]) -> None:
    """Every cited link is followed by ` [<a href=perma>]`, with Robust Links attributes."""
    for url, guid in guids.items():
        perma = f"https://perma.cc/{guid}"
        pattern = (rf'<a href="{re.escape(url)}"[^>]*data-versionurl="{perma}"[^>]*>[^<]*</a> '
                   rf'\[<a href="{perma}"[^>]*>{perma}</a>\]')
        assert re.search(pattern, html), f"{url} not followed by {perma}"
        assert f'data-originalurl="{url}"' in html
    assert re.search(r'data-versiondate="\d{4}-\d\d-\d\d"', html)


# ---------------------------------------------------------------------- formats


def test_html_cited_links_get_perma_links_and_nothing_else(pandoc_path: str, sandbox: Sandbox,
                                                          tmp_path: Path) -> None:
    env = make_env(tmp_path, sandbox)
    first = build(pandoc_path, DATA / "paper.md", "html5", env, "-s")
    guids = links_by_url(sandbox)
    assert set(guids) == CITED  # not the image, code, metadata, DOI, localhost, mailto, archive links
    body = first.stdout
    assert_html_permified(body, guids)
    assert PERMA_RE.findall(body).count("ABCD-EFGH") == 1  # the hand-made one, not doubled
    assert len(PERMA_RE.findall(body)) == CITATIONS + 1
    assert '<img src="https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg"' in body
    assert "<code>https://code.example.com/inline</code> stay" in body
    assert 'class="uri">https://example.net/in-the-title</a></h1>' in body  # metadata not walked
    assert "archived 4 new URLs" in first.stderr

    before = sandbox.count()
    second = build(pandoc_path, DATA / "paper.md", "html5", env, "-s")
    assert sandbox.count() == before  # warm ledger: not one HTTP request
    assert second.stdout == first.stdout
    assert second.stderr == ""


@pytest.mark.parametrize("to", ["docx", "latex"])
def test_docx_and_latex_outputs(pandoc_path: str, sandbox: Sandbox, tmp_path: Path, to: str) -> None:
    env = make_env(tmp_path, sandbox)

    def render() -> str:
        out = tmp_path / f"paper.{'docx' if to == 'docx' else 'tex'}"
        build(pandoc_path, DATA / "paper.md", to, env, "-o", str(out))
        if to == "latex":
            return out.read_text(encoding="utf-8")
        with zipfile.ZipFile(out) as z:
            return z.read("word/document.xml").decode() + z.read("word/_rels/document.xml.rels").decode()

    first = render()
    guids = links_by_url(sandbox)
    assert set(guids) == CITED
    for guid in guids.values():
        perma = f"https://perma.cc/{guid}"
        if to == "latex":
            assert "{[}\\url{" + perma + "}{]}" in first
        else:
            assert f'Target="{perma}"' in first and f'<w:t xml:space="preserve">{perma}</w:t>' in first
    if to == "latex":
        url = re.escape("https://www.supremecourt.gov/opinions/23pdf/22-451_7m58.pdf")
        assert re.search(rf"\\href{{{url}}}{{the Court's site}} {{\[}}\\url{{https://perma\.cc/", first)
        assert "\\texttt{https://code.example.com/inline}" in first
    before = sandbox.count()
    assert render() == first
    assert sandbox.count() == before


def test_citeproc_bibliography_urls_archived(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    env = make_env(tmp_path, sandbox)
    html = build(pandoc_path, DATA / "cited.md", "html5", env, "--citeproc", "--csl", "tiny.csl").stdout
    guids = links_by_url(sandbox)
    assert set(guids) == {"https://www.copyright.gov/fair-use/", "https://www.copyright.gov/help/faq/"}
    assert_html_permified(html, guids)
    bib = html[html.index('id="refs"'):]
    assert f"https://perma.cc/{guids['https://www.copyright.gov/fair-use/']}" in bib
    assert re.search(r'href="https://doi.org/10.1234/abcd">https://doi.org/10.1234/abcd</a>\.', bib)


def test_citeproc_with_the_default_style(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    env = make_env(tmp_path, sandbox)
    html = build(pandoc_path, DATA / "cited.md", "html5", env, "--citeproc").stdout
    guid = links_by_url(sandbox)["https://www.copyright.gov/fair-use/"]
    assert f"https://perma.cc/{guid}" in html[html.index('id="refs"'):]


# ---------------------------------------------------------------------- concurrency


def test_parallel_builds_share_the_ledger(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    env = make_env(tmp_path, sandbox)
    args = pandoc_args(pandoc_path, DATA / "paper.md", "html5")
    procs = [subprocess.Popen(args, env=env, cwd=DATA, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    guids = links_by_url(sandbox)  # asserts one archive per URL
    assert set(guids) == CITED
    assert results[0][0] == results[1][0], [err for _, err in results]
    assert_html_permified(results[0][0], guids)


# ---------------------------------------------------------------------- offline and strict


def test_offline_build_succeeds_with_one_warning(pandoc_path: str, tmp_path: Path) -> None:
    env = make_env(tmp_path, None, PERMA_API_URL=closed_port_url(), PERMA_API_KEY="k" * 40, PERMIFY_FOLDER="7")
    proc = build(pandoc_path, DATA / "paper.md", "html5", env)
    assert "perma.cc/" not in proc.stdout.replace("https://perma.cc/ABCD-EFGH", "")
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "archiving unavailable" in lines[0] and "cannot reach the Perma API" in lines[0]


def test_no_key_no_folder_build_succeeds(pandoc_path: str, tmp_path: Path) -> None:
    proc = build(pandoc_path, DATA / "paper.md", "html5", make_env(tmp_path, None, PERMIFY_FOLDER="Law/Vol 1"))
    assert "no Perma API key" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    proc = build(pandoc_path, DATA / "paper.md", "html5", make_env(tmp_path, None))
    assert "no Perma folder" in proc.stderr


def test_offline_with_warm_ledger_still_inserts(pandoc_path: str, tmp_path: Path) -> None:
    with Sandbox(SandboxConfig(capture_seconds=0.05)) as sb:
        env = make_env(tmp_path, sb)
        build(pandoc_path, DATA / "paper.md", "html5", env)
        guids = links_by_url(sb)
    # The sandbox is gone: its port refuses connections, as the real API does offline.
    more = tmp_path / "more.md"
    more.write_text((DATA / "paper.md").read_text() + "\nNew: <https://www.ftc.gov/new-page>\n")
    proc = build(pandoc_path, more, "html5", env)
    assert_html_permified(proc.stdout, guids)
    assert '<a href="https://www.ftc.gov/new-page" class="uri">https://www.ftc.gov/new-page</a></p>' in proc.stdout
    assert "archiving unavailable" in proc.stderr and "(4 inserted from the ledger)" in proc.stderr
    # Everything known: no network needed at all, so no warning either.
    assert build(pandoc_path, DATA / "paper.md", "html5", env).stderr == ""


@pytest.mark.parametrize("how", ["metadata", "env"])
def test_strict_mode_fails_the_build(pandoc_path: str, tmp_path: Path, how: str) -> None:
    env = make_env(tmp_path, None, PERMA_API_URL=closed_port_url(), PERMA_API_KEY="k" * 40, PERMIFY_FOLDER="7")
    src = tmp_path / "strict.md"
    text = "See <https://www.ftc.gov/strict>.\n"
    if how == "metadata":
        src.write_text("---\npermify:\n  strict: true\n---\n" + text)
    else:
        src.write_text(text)
        env["PERMIFY_STRICT"] = "1"
    proc = build(pandoc_path, src, "html5", env, ok=False)
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if line.startswith("permify-filter:")]
    assert len(ours) == 1 and "strict: archiving is unavailable" in ours[0]


def test_strict_fails_on_a_failed_capture(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "fails.md"
    src.write_text("---\npermify: {strict: true}\n---\n<https://www.ftc.gov/capture-fails> and <https://www.ftc.gov/ok>\n")
    proc = build(pandoc_path, src, "html5", make_env(tmp_path, sandbox), ok=False)
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if line.startswith("permify-filter:")]
    assert len(ours) == 1
    assert ours[0].startswith("permify-filter: strict: 1 cited URLs have no Perma link (first: "
                              "https://www.ftc.gov/capture-fails")


def test_failed_capture_is_reported_and_left_alone(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "fails.md"
    src.write_text("<https://www.ftc.gov/capture-fails> and <https://www.ftc.gov/ok>\n")
    proc = build(pandoc_path, src, "html5", make_env(tmp_path, sandbox))
    assert "1 cited URLs could not be archived" in proc.stderr
    assert len(PERMA_RE.findall(proc.stdout)) == 1


def test_dry_run_writes_nothing(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "dry.md"
    src.write_text("---\npermify:\n  dry-run: true\n---\nSee <https://www.ftc.gov/dry>.\n")
    proc = build(pandoc_path, src, "html5", make_env(tmp_path, sandbox))
    assert sandbox.count(method="POST") == 0
    assert sandbox.links(folder_id=sandbox.org_folder_id) == []
    assert "perma.cc" not in proc.stdout
    assert "dry run: would archive 1 URLs" in proc.stderr and "https://www.ftc.gov/dry" in proc.stderr


def test_bad_metadata_warns_and_builds(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "bad.md"
    src.write_text("---\npermify:\n  privat: true\n---\nSee <https://www.ftc.gov/x>.\n")
    proc = build(pandoc_path, src, "html5", make_env(tmp_path, sandbox))
    assert "unknown key 'privat'" in proc.stderr and sandbox.count() == 0


# ---------------------------------------------------------------------- how pandoc starts it


def test_console_script_name(pandoc_path: str, sandbox: Sandbox, tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "permify-filter"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m permify.pandoc.filter "$@"\n')
    script.chmod(0o755)
    env = make_env(tmp_path, sandbox)
    env["PATH"] = os.pathsep.join([str(bindir), env["PATH"]])
    proc = build(pandoc_path, DATA / "paper.md", "html5", env, filt="permify-filter")
    assert_html_permified(proc.stdout, links_by_url(sandbox))


def test_unsupported_pandoc_api_passes_the_document_through(tmp_path: Path) -> None:
    doc = json.dumps({"pandoc-api-version": [1, 21], "meta": {}, "blocks": []})
    env = make_env(tmp_path, None)
    proc = subprocess.run([sys.executable, str(FILTER), "html"], input=doc, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == doc
    assert "pandoc API 1.21 is too old" in proc.stderr and "Traceback" not in proc.stderr
    env["PERMIFY_STRICT"] = "true"
    proc = subprocess.run([sys.executable, str(FILTER), "html"], input=doc, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""


def test_main_filters_an_in_memory_doc(pandoc_path: str, sandbox: Sandbox, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pf = pytest.importorskip("panflute")
    spec = importlib.util.spec_from_file_location("permify_filter_script", FILTER)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for key, value in make_env(tmp_path, sandbox).items():
        monkeypatch.setenv(key, value)
    doc = pf.convert_text("See [it](https://www.ftc.gov/in-memory) and `https://www.ftc.gov/code`.",
                          input_format="markdown", standalone=True, pandoc_path=pandoc_path)
    doc.format = "latex"
    doc = script.main(doc)
    guid = links_by_url(sandbox)["https://www.ftc.gov/in-memory"]
    inlines = doc.content[0].content
    assert [type(e).__name__ for e in inlines][:7] == ["Str", "Space", "Link", "Space", "Str", "Link", "Str"]
    assert inlines[5].url == f"https://perma.cc/{guid}" and inlines[4].text == "[" and inlines[6].text == "]"
    assert "data-versionurl" not in inlines[2].attributes  # not an HTML output


def test_newer_pandoc_api_warns_and_works(tmp_path: Path) -> None:
    doc = json.dumps({"pandoc-api-version": [1, 24], "meta": {}, "blocks": []})
    proc = subprocess.run([sys.executable, str(FILTER), "html"], input=doc, env=make_env(tmp_path, None),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["blocks"] == []
    assert "pandoc API 1.24 is newer than" in proc.stderr and "Traceback" not in proc.stderr


def test_option_precedence_metadata_env_config(tmp_path: Path) -> None:
    from permify.errors import ConfigError
    from permify.pandoc.config import load_filter_config

    ini = tmp_path / "config.ini"
    ini.write_text("[permify]\nfolder = From/Config\nprivate = yes\nstrict = true\n")
    env = {"PERMIFY_CONFIG": str(ini), "PERMIFY_STRICT": "0", "PERMIFY_FOLDER": "From/Env"}
    config = load_filter_config({"folder": "From/Meta"}, env=env)
    assert (config.folder, config.strict, config.private, config.dry_run) == ("From/Meta", False, True, False)
    assert load_filter_config(None, env=env).folder == "From/Env"
    assert load_filter_config({"dry_run": "true"}, env={"PERMIFY_CONFIG": str(ini)}).dry_run is True
    with pytest.raises(ConfigError, match="private"):
        load_filter_config({"private": "maybe"}, env=env)
    with pytest.raises(ConfigError, match="style"):
        load_filter_config({"style": "chicago"}, env=env)


def test_missing_folder_message_names_what_the_filter_user_can_do() -> None:
    """The filter has no --create-folder option: its warning must not tell the user to pass one."""
    from permify.pandoc.filter import _for_the_filter
    from permify.perma.folders import FolderNotFoundError

    error = FolderNotFoundError("no folder 'Smith' in 'Demo Law Review/Vol 12' (its subfolders: 'Jones'); "
                                "pass --create-folder to create it")
    shown = str(_for_the_filter(error))
    assert "--create-folder to create it" not in shown.replace("permify archive FILE --folder PATH --create-folder", "")
    assert "create it on Perma.cc" in shown and "permify archive" in shown
    assert isinstance(_for_the_filter(error), FolderNotFoundError)
