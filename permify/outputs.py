"""Where each document is written, checked before anything is archived, and writing in place
without ever losing the original.

:func:`plan_outputs` runs before any API write: every output folder exists and is writable,
no output is one of the inputs, and no two inputs are written to one file. Otherwise it
raises :class:`~permify.errors.UsageError` (exit 2) and nothing is archived or created.
:func:`write_in_place` keeps a verified backup before it replaces an input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .documents import atomic_write, default_output_path
from .errors import OutputError, UsageError

__all__ = ["OutputPlan", "editor_lock_file", "plan_outputs", "write_in_place"]

#: The most numbered backups (``FILE.orig.2`` ...) looked for before giving up.
_MAX_BACKUPS = 100


@dataclass(frozen=True)
class OutputPlan:
    """Where each input goes (``"-"`` is stdout), and warnings to show before archiving."""

    targets: dict[str, str]
    warnings: tuple[str, ...] = ()


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (or, when either is missing, one path)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def editor_lock_file(path: str | Path) -> Path | None:
    """The lock file Word (``~$name.docx``, which drops the first one or two letters of a
    long name) or LibreOffice (``.~lock.name.docx#``) keeps beside a document it has open,
    or None."""
    p = Path(path)
    name = p.name
    candidates = [f"~${name}", f"~${name[1:]}", f"~${name[2:]}", f".~lock.{name}#"]
    for candidate in candidates:
        lock = p.with_name(candidate)
        if lock.exists():
            return lock
    return None


def _probe_writable(folder: Path, what: str) -> None:
    """Create and remove a temporary file in ``folder``: the only test that is true for
    every user (root included) and every file system (read-only mounts included)."""
    import tempfile  # imported where files are written: listing URLs never needs it

    try:
        fd, tmp = tempfile.mkstemp(prefix=".permify-probe.", dir=folder)
    except OSError as error:
        raise UsageError(
            f"{what}: cannot write in {folder} ({error.strerror or error}); choose another -o or fix the permissions"
        ) from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)


def plan_outputs(
    paths: Sequence[str],
    output: str | Path | None,
    *,
    in_place: bool,
    probe: bool = True,
) -> OutputPlan:
    """The output of each input, checked before any API write.

    ``output`` is a file (one input), an existing folder (each input keeps its name there)
    or ``-`` (one input, to stdout); without
    it each input goes to ``<stem>.perma<suffix>`` beside it, or onto itself with
    ``in_place``. ``probe`` also creates and removes a temporary file in each output folder
    (off in a dry run, which writes nothing). Raises :class:`UsageError` when an output
    folder is missing or not writable, an output is one of the inputs, or two inputs would
    be written to one file. Warns when a document seems open in Word or LibreOffice.
    """
    targets: dict[str, str] = {}
    for name in paths:
        if in_place:
            if name == "-":
                raise UsageError("--in-place cannot rewrite stdin; pass -o OUT")
            targets[name] = name
        elif output is not None and str(output) == "-":
            if len(paths) > 1:
                raise UsageError("-o - writes one document to stdout; with several inputs, -o must be a folder")
            targets[name] = "-"
        elif output is not None and (len(paths) > 1 or Path(output).is_dir()):
            if not Path(output).is_dir():
                raise UsageError(f"-o {output}: with several inputs, -o must be an existing folder")
            targets[name] = str(Path(output) / Path(name).name)
        elif output is not None:
            targets[name] = str(output)
        elif name == "-":
            raise UsageError("reading stdin needs -o OUT (or -o - for stdout)")
        else:
            targets[name] = str(default_output_path(name))
    _check_targets(targets, in_place=in_place, probe=probe)
    warnings = []
    for name in paths:
        lock = editor_lock_file(name) if name != "-" else None
        if lock is not None:
            editor = "LibreOffice" if lock.name.startswith(".~lock.") else "Word"
            warnings.append(
                f"{name} seems to be open in {editor} ({lock.name} is beside it): close it before opening "
                "the output, or saving it there will drop the Perma links"
            )
    return OutputPlan(targets, tuple(warnings))


def _check_targets(targets: dict[str, str], *, in_place: bool, probe: bool) -> None:
    files = [Path(n) for n in targets if n != "-"]
    by_target: dict[str, str] = {}
    probed: set[Path] = set()
    for name, target in targets.items():
        if target == "-":
            continue
        out = Path(target)
        if not in_place:
            for source in files:
                if _same_file(out, source):
                    raise UsageError(
                        f"the output {target} is the input {source}; to rewrite the input itself use --in-place "
                        "(which keeps a .orig copy)"
                    )
        key = os.path.normcase(os.path.abspath(out))
        if key in by_target:
            raise UsageError(
                f"{by_target[key]} and {name} would both be written to {target}; "
                "give them distinct file names or archive them one at a time"
            )
        by_target[key] = name
        if out.is_dir():
            raise UsageError(f"the output {target} is a folder; choose another -o")
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"the output folder {folder} does not exist; create it or choose another -o")
        if probe and folder not in probed:
            _probe_writable(folder, target)
            probed.add(folder)


# ------------------------------------------------------------------ writing in place


def _digest(data: bytes) -> str:
    import hashlib  # imported where a file is written in place, not by every command

    return hashlib.sha256(data).hexdigest()


def _file_matches(path: Path, size: int, digest: str) -> bool:
    """True when ``path`` holds exactly ``size`` bytes with the SHA-256 ``digest``."""
    try:
        if path.stat().st_size != size:
            return False
        return _digest(path.read_bytes()) == digest
    except OSError:
        return False


def _backup_path(path: Path, size: int, digest: str) -> tuple[Path, bool]:
    """Where to keep the backup, and whether a verified one is there already.

    ``FILE.orig`` is reused only when it holds exactly the bytes about to be replaced; a
    different one (an earlier original, or a copy cut short by a full disk) is left alone
    and the backup goes to the first free ``FILE.orig.N``.
    """
    first = path.with_name(path.name + ".orig")
    candidates = [first] + [path.with_name(f"{path.name}.orig.{n}") for n in range(2, _MAX_BACKUPS)]
    for candidate in candidates:
        if not candidate.exists():
            return candidate, False
        if _file_matches(candidate, size, digest):
            return candidate, True
    raise OutputError(f"{path}: {_MAX_BACKUPS} backups already beside it; move some of the .orig files away")


def write_in_place(path: str | Path, data: bytes, original: bytes, *, backup: bool = True) -> Path | None:
    """Replace the input ``path`` (read as ``original``) with ``data``; returns the backup's path.

    With ``backup``, a copy of ``original`` is written (atomically), read back and checked
    (size and SHA-256) before the input is touched. The input must still hold ``original``:
    a file changed since it was read is not overwritten. Raises
    :class:`~permify.errors.OutputError` with one line naming the path (read-only folder,
    full disk, changed input); the input is then unchanged.
    """
    target = Path(path)
    size, digest = len(original), _digest(original)
    if not _file_matches(target, size, digest):
        raise OutputError(f"{target}: changed since permify read it; not overwritten (run again to archive it)")
    kept: Path | None = None
    if backup:
        kept, verified = _backup_path(target, size, digest)
        if not verified:
            atomic_write(kept, original, like=target)
            if not _file_matches(kept, size, digest):
                kept.unlink(missing_ok=True)
                raise OutputError(f"{kept}: the backup could not be verified; {target} was not changed")
    atomic_write(target, data, like=target)
    return kept

