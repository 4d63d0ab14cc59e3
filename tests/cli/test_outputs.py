"""Outputs: checked before any API write, never losing the original, one outcome per file.

Disk-full and read-only cases are simulated by making the write's OSError (a server cannot
produce those); everything else runs the real command against the sandbox on loopback.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import pytest
from cli_helpers import run

from permify import documents
from permify.errors import OutputError
from permify.outputs import editor_lock_file, write_in_place
from permify.sandbox import Sandbox

DOC = "See https://example.com/one and https://example.org/two for details.\n"


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    return path


def _nothing_sent(sandbox: Sandbox) -> bool:
    """No request that could create anything (archives, folders) reached the sandbox."""
    return sandbox.count("POST") == 0 and sandbox.count("PATCH") == 0


# ------------------------------------------------------------------ checked before any API write


def test_output_that_is_an_input_is_refused_before_any_write(capsys, api_env: Sandbox, doc: Path) -> None:
    before = doc.read_bytes()
    code, _, err = run(capsys, "archive", str(doc), "-o", str(doc), "--folder", str(api_env.org_folder_id))
    assert code == 2 and "is the input" in err and "--in-place" in err
    assert len(err.strip().splitlines()) == 1 and doc.read_bytes() == before and _nothing_sent(api_env)


def test_default_output_that_is_another_input_is_refused(capsys, api_env: Sandbox, doc: Path) -> None:
    other = doc.with_name("doc.perma.md")
    other.write_text(DOC, encoding="utf-8")
    code, _, err = run(capsys, "archive", str(doc), str(other), "--folder", str(api_env.org_folder_id))
    assert code == 2 and "is the input" in err and _nothing_sent(api_env)


def test_missing_output_folder_is_refused_and_no_folder_is_created(
    capsys, api_env: Sandbox, doc: Path, tmp_path: Path
) -> None:
    folders_before = api_env.count("POST", "/v1/folders")
    code, _, err = run(
        capsys, "archive", str(doc), "-o", str(tmp_path / "nope" / "out.md"),
        "--folder", "Demo Law Review/Vol 99", "--create-folder",
    )
    assert code == 2 and "does not exist" in err and str(tmp_path / "nope") in err
    assert _nothing_sent(api_env) and api_env.count("POST", "/v1/folders") == folders_before


def test_two_inputs_with_one_name_into_one_folder_collide(
    capsys, api_env: Sandbox, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "out").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "ch1.md").write_text(DOC, encoding="utf-8")
    code, _, err = run(
        capsys, "archive", str(tmp_path / "a" / "ch1.md"), str(tmp_path / "b" / "ch1.md"),
        "-o", str(tmp_path / "out"), "--folder", str(api_env.org_folder_id),
    )
    assert code == 2 and "would both be written to" in err and _nothing_sent(api_env)
    assert list((tmp_path / "out").iterdir()) == []


def test_an_unwritable_output_folder_is_refused_before_any_write(
    capsys, api_env: Sandbox, doc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root a chmod'ed folder is still writable, so the read-only file system is simulated.
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    before = doc.read_bytes()
    code, _, err = run(capsys, "archive", str(doc), "--in-place", "--folder", str(api_env.org_folder_id))
    assert code == 2 and "Read-only file system" in err and str(doc.parent) in err
    assert "internal error" not in err and len(err.strip().splitlines()) == 1
    assert doc.read_bytes() == before and _nothing_sent(api_env)


def test_a_word_lock_file_gives_a_warning(capsys, api_env: Sandbox, tmp_path: Path) -> None:
    doc = tmp_path / "manuscript.md"
    doc.write_text(DOC, encoding="utf-8")
    assert editor_lock_file(doc) is None
    (tmp_path / "~$nuscript.md").write_bytes(b"owner")  # Word drops two letters of a long name
    assert editor_lock_file(doc) == tmp_path / "~$nuscript.md"
    code, _, err = run(capsys, "archive", str(doc), "--folder", str(api_env.org_folder_id))
    assert code == 0 and "open in Word" in err
    (tmp_path / "~$nuscript.md").unlink()
    (tmp_path / ".~lock.manuscript.md#").write_bytes(b"lock")
    assert editor_lock_file(doc) == tmp_path / ".~lock.manuscript.md#"


# ------------------------------------------------------------------ never lose the original


def test_a_truncated_backup_is_never_reused(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    original = DOC.encode()
    doc.write_bytes(original)
    broken = tmp_path / "doc.md.orig"
    broken.write_bytes(original[:10])  # what a full disk left behind
    kept = write_in_place(doc, b"new", original)
    assert kept == tmp_path / "doc.md.orig.2" and kept.read_bytes() == original
    assert broken.read_bytes() == original[:10] and doc.read_bytes() == b"new"
    # a backup that matches the bytes about to be replaced is reused, not copied again
    doc.write_bytes(original)
    assert write_in_place(doc, b"newer", original) == kept


def test_a_full_disk_while_backing_up_leaves_the_input_and_no_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "doc.md"
    original = DOC.encode()
    doc.write_bytes(original)
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd: int, mode: str) -> None:
            self.handle = real_fdopen(fd, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[:7])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(documents.os, "fdopen", FullDisk)
    with pytest.raises(OutputError) as caught:
        write_in_place(doc, b"new", original)
    assert "doc.md.orig" in str(caught.value) and "disk is full" in str(caught.value)
    assert doc.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.md"]  # no truncated .orig, no temp file


def test_an_input_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_bytes(b"edited meanwhile")
    with pytest.raises(OutputError, match="changed since permify read it"):
        write_in_place(doc, b"new", DOC.encode())
    assert doc.read_bytes() == b"edited meanwhile" and not (tmp_path / "doc.md.orig").exists()


def test_in_place_twice_keeps_the_first_original(capsys, api_env: Sandbox, doc: Path) -> None:
    original = doc.read_bytes()
    folder = str(api_env.org_folder_id)
    assert run(capsys, "archive", str(doc), "--in-place", "--folder", folder)[0] == 0
    first = doc.read_bytes()
    assert first != original and doc.with_name("doc.md.orig").read_bytes() == original
    doc.write_bytes(first + b"\nMore: https://example.net/three\n")
    assert run(capsys, "archive", str(doc), "--in-place", "--folder", folder)[0] == 0
    assert doc.with_name("doc.md.orig").read_bytes() == original  # the first original is kept
    assert doc.with_name("doc.md.orig.2").read_bytes() == first + b"\nMore: https://example.net/three\n"


# ------------------------------------------------------------------ one outcome per file


def test_one_file_failing_to_write_never_stops_the_others(
    capsys, api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["a.md", "b.md", "c.md"]
    for name in names:
        (tmp_path / name).write_text(DOC.replace("details", name), encoding="utf-8")
    from permify.formats.markdown.adapter import MarkdownDocument

    real = MarkdownDocument.rewrite

    def rewrite(self: MarkdownDocument, links: object, options: object) -> bytes:
        if "b.md" in self._text:  # the writer breaks on one file only
            raise ValueError("a writer bug")
        return real(self, links, options)  # type: ignore[arg-type]

    monkeypatch.setattr(MarkdownDocument, "rewrite", rewrite)
    report = tmp_path / "report.json"
    code, _, err = run(
        capsys, "archive", *(str(tmp_path / n) for n in names),
        "--folder", str(api_env.org_folder_id), "--report", str(report),
    )
    assert code == 1
    assert (tmp_path / "a.perma.md").exists() and (tmp_path / "c.perma.md").exists()
    assert not (tmp_path / "b.perma.md").exists()
    assert "b.md: not written: internal error: ValueError: a writer bug" in err
    rows = json.loads(report.read_text(encoding="utf-8"))
    file_rows = [r for r in rows if not r["url"]]
    assert file_rows == [{**file_rows[0], "status": "failed", "locations": [str(tmp_path / "b.md")]}]
    assert {r["url"] for r in rows if r["status"] == "archived"} == {"https://example.com/one", "https://example.org/two"}


def test_a_full_disk_on_one_output_names_the_path_and_the_rest_is_written(
    capsys, api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DOC, encoding="utf-8")
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if str(dst).endswith("a.perma.md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(documents.os, "replace", replace)
    code, _, err = run(
        capsys, "archive", str(tmp_path / "a.md"), str(tmp_path / "b.md"), "--folder", str(api_env.org_folder_id),
    )
    assert code == 1 and f"{tmp_path / 'a.perma.md'}: cannot write: the disk is full" in err
    assert (tmp_path / "b.perma.md").exists() and not (tmp_path / "a.perma.md").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_several_inputs_to_stdout_are_refused(capsys, api_env: Sandbox, tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DOC, encoding="utf-8")
    code, out, err = run(
        capsys, "archive", str(tmp_path / "a.md"), str(tmp_path / "b.md"), "-o", "-", "--folder", "1",
    )
    assert code == 2 and "-o must be a folder" in err and out == "" and _nothing_sent(api_env)


def test_an_error_quoting_escapes_reaches_the_terminal_as_one_clean_line(capsys, api_env: Sandbox, doc: Path) -> None:
    code, _, err = run(capsys, "archive", str(doc), "--folder", "Demo Law Review/\x1b[31mRed\x07\nLine")
    assert code == 2 and "\x1b" not in err and "\x07" not in err and len(err.strip().splitlines()) == 1


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 64 KiB file system (tmpfs), where permitted: a full disk with no mocks."""
    import subprocess

    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here (the mocked full-disk tests still run)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_in_place_on_a_really_full_disk_keeps_the_original_and_a_rerun_works(
    capsys, api_env: Sandbox, tiny_disk: Path
) -> None:
    doc = tiny_disk / "big.md"
    original = (DOC + "filler text. " * 3000).encode()  # about 40 KB: the backup cannot fit beside it
    doc.write_bytes(original)
    folder = str(api_env.org_folder_id)
    code, _, err = run(capsys, "archive", str(doc), "--in-place", "--folder", folder)
    assert code == 1 and "the disk is full" in err and "big.md.orig" in err and "internal error" not in err
    assert doc.read_bytes() == original
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["big.md"]  # no truncated .orig, no temp file
    # With space freed (here: a smaller document), the next run keeps a verified backup.
    smaller = DOC.encode()
    doc.write_bytes(smaller)
    assert run(capsys, "archive", str(doc), "--in-place", "--folder", folder)[0] == 0
    assert doc.with_name("big.md.orig").read_bytes() == smaller and b"https://perma.cc/" in doc.read_bytes()


def test_one_input_into_an_existing_folder_keeps_its_name(capsys, api_env: Sandbox, doc: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run(capsys, "archive", str(doc), "-o", str(out), "--folder", str(api_env.org_folder_id))
    assert code == 0, err
    assert b"https://perma.cc/" in (out / "doc.md").read_bytes()
