"""Generated manuscripts shared by the benchmarks and the tests that need an ordinary document.

Nothing else is imported here: the tests load this file by its path (``importlib``), without
the bench folder on ``sys.path``.
"""

from __future__ import annotations


def make_document(n: int, tag: str) -> str:
    """Markdown with ``n`` list items citing distinct URLs (one or two each, see
    :func:`links_in`); ``tag`` keeps the URLs of different runs apart."""
    lines = ["# Sources", ""]
    for i in range(n):
        lines.append(f"{i + 1}. The court's opinion is at https://www.{tag}court{i}.gov/opinions/{i}/decision.html "
                     f"and [the record](https://records.{tag}{i}.gov/r/{i}).\n" if i % 2 else
                     f"{i + 1}. See <https://www.{tag}site{i}.org/page/{i}> for the report.\n")
    return "\n".join(lines) + "\n"


def links_in(n: int) -> int:
    """How many cited URLs ``make_document(n, ...)`` holds."""
    return sum(2 if i % 2 else 1 for i in range(n))
