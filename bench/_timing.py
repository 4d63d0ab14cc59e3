"""Interleaved timing shared by the benchmark scripts.

A shared machine slows down in bursts. Timing all runs of one side and then all runs of the
other lets a burst land on one side only and skews the ratio. Here every round runs each
side once, one after the other (reference, permify, reference, permify, ...), and a ratio is
taken per round, between runs that were seconds apart; the median of those ratios is the
figure quoted, with its range, next to the minimum, median and maximum of each side.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


def interleave(rounds: int, runs: Mapping[str, Callable[[], object]], *,
               measured: bool = False, warmup: bool = True) -> dict[str, list[float]]:
    """Run every callable of ``runs`` once per round, in the mapping's order, for ``rounds``
    rounds; return each name's times in seconds, one per round.

    Each call starts from a collected heap. With ``measured``, each callable returns its own
    figure in seconds (for runs that time a subprocess themselves) instead of being timed
    here. With ``warmup``, each callable runs once first, untimed (imports, caches, page
    cache)."""
    if warmup:
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            gc.collect()
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
            if measured:
                assert isinstance(result, float), f"{name} returned {result!r}, not seconds"
                elapsed = result
            times[name].append(elapsed)
    return times


def spread(values: Sequence[float], unit: str = "ms") -> str:
    """``min / median / max`` of ``values`` (seconds), shown in ``unit``: "ms" or "s"."""
    scale, digits = (1000.0, 1) if unit == "ms" else (1.0, 3)
    return " / ".join(f"{v * scale:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


@dataclass(frozen=True)
class Comparison:
    """Paired timings of permify and a reference; round ``i`` of each ran back to back."""

    ours: Sequence[float]
    reference: Sequence[float]

    @property
    def ratios(self) -> list[float]:
        """permify / reference, per round."""
        return [o / r for o, r in zip(self.ours, self.reference, strict=True)]

    @property
    def median_ratio(self) -> float:
        """The median of the per-round ratios: the figure compared with a goal."""
        return statistics.median(self.ratios)

    def ratio_text(self) -> str:
        """``1.23x (1.10–1.40x over 7 pairs)``."""
        ratios = self.ratios
        return (f"{self.median_ratio:.2f}x ({min(ratios):.2f}–{max(ratios):.2f}x "
                f"over {len(ratios)} pairs)")


def print_times(times: Mapping[str, Sequence[float]], labels: Mapping[str, str], *,
                unit: str = "ms") -> None:
    """A table of each run's min / median / max, in ``unit`` ("ms" or "s")."""
    width = max(len(label) for label in labels.values())
    rounds = len(next(iter(times.values())))
    print(f"{'':<{width}}  min / median / max ({unit}, {rounds} interleaved rounds)")
    for name, label in labels.items():
        print(f"{label:<{width}}  {spread(times[name], unit)}")


def print_ratio(what: str, comparison: Comparison, goal: float | None = None) -> bool:
    """Print the median ratio with its range and, given a ``goal`` (an upper bound on the
    median ratio), PASS or FAIL; return whether the goal is met (True without a goal)."""
    line = f"ratio {what}: {comparison.ratio_text()}"
    if goal is None:
        print(line)
        return True
    met = comparison.median_ratio <= goal
    print(f"{line}; goal <= {goal:.2f}x: {'PASS' if met else 'FAIL'}")
    return met
