"""Shared pytest fixtures: golden files, paths anchored on this file, the pandoc binary."""

from __future__ import annotations

from pathlib import Path

import pytest

# Shared test helpers with asserts of their own: rewritten before any test module imports them.
pytest.register_assert_rewrite("hostile_server")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLES = ROOT / "sample_docs"
GOLDEN = TESTS / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files under tests/golden/ from the current output",
    )


class Golden:
    """Compare bytes with a golden file, or rewrite it under ``--update-golden``."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, name: str, actual: bytes) -> None:
        path = GOLDEN / name
        if self.update or not path.exists():
            if not self.update:
                pytest.fail(f"golden file {path} is missing; run pytest --update-golden")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual)
            return
        expected = path.read_bytes()
        assert actual == expected, f"output differs from {path}; if intended, run pytest --update-golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """A :class:`Golden` comparer honouring ``--update-golden``."""
    return Golden(bool(request.config.getoption("--update-golden")))


@pytest.fixture(scope="session")
def pandoc_path() -> str:
    """The pandoc binary shipped by pypandoc-binary (skips if it is not installed)."""
    pypandoc = pytest.importorskip("pypandoc")
    return pypandoc.get_pandoc_path()


@pytest.fixture
def sandbox():
    """A running Perma sandbox on loopback with fast captures (0.05 s), fresh for each test."""
    from permify.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(capture_seconds=0.05)) as sb:
        yield sb


@pytest.fixture
def api_env(sandbox, tmp_path, monkeypatch):
    """Point permify at the sandbox through the environment, with a ledger and config in tmp_path."""
    monkeypatch.setenv("PERMA_API_URL", sandbox.base_url)
    monkeypatch.setenv("PERMA_API_KEY", sandbox.api_key)
    monkeypatch.setenv("PERMIFY_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "no-config.ini"))
    monkeypatch.delenv("PERMIFY_FOLDER", raising=False)
    return sandbox
