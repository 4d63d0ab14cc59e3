"""Fixtures for the editor's page: a desk on the sandbox, and the page's client for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import PageClient, desk_config

from permify.sandbox import Sandbox
from permify.web.desk import Desk
from permify.web.security import new_token


@pytest.fixture
def desk(sandbox: Sandbox, tmp_path: Path) -> Iterator[Desk]:
    """A desk on the sandbox (no key yet); closed after the test."""
    the_desk = Desk(desk_config(sandbox, tmp_path))
    yield the_desk
    the_desk.close()


@pytest.fixture
def page(desk: Desk) -> PageClient:
    """The page's client for ``desk``."""
    return PageClient(desk, new_token())
