"""The affluence proxy (pure): a household score from how many devices it has and which kinds.

Households with many screens and premium kinds (a TV, a game console, a tablet, a computer) tend to
spend more; the score says nothing else and is shown with its definition wherever it filters.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AFFLUENCE_DEFINITION", "DEVICES_FOR_FULL", "PREMIUM_WEIGHTS", "affluence_rows", "affluence_score"]

#: weight of each premium device kind present in the household (sums to 1)
PREMIUM_WEIGHTS = {"tv": 0.25, "console": 0.35, "tablet": 0.25, "desktop": 0.15}
#: device count at which the count part of the score is full
DEVICES_FOR_FULL = 6

AFFLUENCE_DEFINITION = (
    "Affluence proxy, 0 to 1: half from the number of devices (full at "
    f"{DEVICES_FOR_FULL}), half from the premium kinds present — console 0.35, TV 0.25, tablet 0.25, "
    "computer 0.15. It counts devices, not money."
)


def affluence_score(types: list[str]) -> tuple[float, int, list[str]]:
    """``(score, devices, premium kinds present)`` of one household's device types.

    >>> affluence_score(["tv", "console", "tablet", "phone", "phone", "desktop"])
    (1.0, 6, ['console', 'desktop', 'tablet', 'tv'])
    >>> affluence_score(["phone", "phone"])
    (0.17, 2, [])
    """
    premium = sorted(set(types) & set(PREMIUM_WEIGHTS))
    count_part = min(len(types), DEVICES_FOR_FULL) / DEVICES_FOR_FULL
    mix_part = sum(PREMIUM_WEIGHTS[t] for t in premium)
    return round(0.5 * count_part + 0.5 * mix_part, 2), len(types), premium


def affluence_rows(households: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``household, score, devices, premium`` per ``{household, types}`` row, sorted by household.

    >>> rows = affluence_rows([{"household": "H2", "types": ["tv"]}, {"household": "H1", "types": []}])
    >>> [r["household"] for r in rows]
    ['H1', 'H2']
    """
    out = []
    for h in sorted(households, key=lambda h: h["household"]):
        score, devices, premium = affluence_score(h["types"])
        out.append({"household": h["household"], "score": score, "devices": devices, "premium": premium})
    return out
