"""Lazy public names for a package's ``__init__`` (PEP 562), written once for all packages,
and regular expressions compiled on first use.

A package lists ``name -> submodule`` and gets a module ``__getattr__`` that imports the
submodule on first use and caches the value, so ``import permify`` (or ``permify.perma``)
loads almost nothing until a name is used.

Compiling a regular expression takes from a few to a few hundred microseconds; a module that
compiles a dozen at import makes every command that imports it start slower, though most runs
use few of them. :func:`lazy_pattern` compiles one when it is first used.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterable, Mapping

TYPE_CHECKING = False  # typing is not imported at run time: see permify/__init__.py
if TYPE_CHECKING:
    from typing import Any

__all__ = ["lazy_exports", "lazy_pattern"]


def lazy_pattern(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled on its first call only."""
    compiled: list[re.Pattern[str]] = []

    def get() -> re.Pattern[str]:
        if not compiled:
            compiled.append(re.compile(pattern, flags))
        return compiled[0]

    return get


def lazy_exports(
    package: str, names: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``(__getattr__, __dir__)`` pair for ``package``: ``names`` maps each lazy public name
    to the (relative) module that defines it; ``public`` is the package's ``__all__``."""
    exported = list(public)

    def __getattr__(name: str) -> Any:
        """Import a public name on first use, so that importing the package loads little."""
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exported))

    return __getattr__, __dir__
