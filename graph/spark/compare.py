"""Agreement of two household assignments (pure Python; used by the Spark tests and bench)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

__all__ = ["pair_f1"]


def _pairs(assignment: Mapping[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for device, hid in assignment.items():
        groups[hid].append(device)
    return {
        (a, b)
        for members in groups.values()
        for i, a in enumerate(sorted(members))
        for b in sorted(members)[i + 1 :]
    }


def pair_f1(a: Mapping[str, str], b: Mapping[str, str]) -> float:
    """F1 of the same-household device pairs of ``b`` against those of ``a`` (1.0 if both have none).

    >>> pair_f1({"x": "h1", "y": "h1", "z": "h2"}, {"x": "k", "y": "k", "z": "k"})
    0.5
    """
    pa, pb = _pairs(a), _pairs(b)
    if not pa and not pb:
        return 1.0
    hit = len(pa & pb)
    return 2 * hit / (len(pa) + len(pb))
