"""Running the `permify` command in-process, as the command-line tests do."""

from __future__ import annotations

import pytest

from permify.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``permify ARGV``: its exit code, standard output and standard error."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
