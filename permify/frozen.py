"""Build frozen dataclasses quickly where one is made per URL or per capture job.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``
(its own ``__setattr__`` refuses): about 3 microseconds for a 15-field capture job, more than
reading the job from JSON. :func:`assemble` fills the instance's ``__dict__`` at once instead
(a tenth of the cost); the result is the same object (same fields, equality, hash, repr and
immutability). It is for the few hot paths that pass every field by name (the models read from
Perma's answers, an archiving run's outcomes and progress events); everything else calls the
class as usual.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["assemble"]

T = TypeVar("T")

# Field names by class: a call that misses or invents a field fails at once, not later with
# an AttributeError far from the cause.
_FIELDS: dict[type, frozenset[str]] = {}
_new = object.__new__


def assemble(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the dataclass ``cls`` with ``values``, which must name every field.

    Raises :class:`TypeError` when ``values`` lacks a field or names one ``cls`` does not have.
    The class must not define ``__post_init__`` or ``__slots__`` (none of permify's do).
    """
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
    if len(values) != len(names) or not names.issuperset(values):
        missing = sorted(names.difference(values))
        unknown = sorted(set(values).difference(names))
        raise TypeError(f"{cls.__name__}: missing fields {missing}, unknown fields {unknown}")
    obj = _new(cls)
    obj.__dict__.update(values)
    return obj
