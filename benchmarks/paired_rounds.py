"""A ratio of two measurements taken in alternating rounds of one run: the median over the paired
rounds and their range, so that a busy machine's load falls on both sides of each ratio."""

from __future__ import annotations

import statistics


def median_ratio(numerators: list[float], denominators: list[float], what: str = "") -> str:
    """`1.31x what (median of 3 paired rounds, 1.13-1.49x)`, the ratios numerators[i] / denominators[i]."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True)]
    return (f"{statistics.median(ratios):.2f}x{f' {what}' if what else ''} (median of {len(ratios)} paired rounds, "
            f"{min(ratios):.2f}-{max(ratios):.2f}x)")
