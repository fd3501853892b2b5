"""Budget planning (pure): money per device type with the households and devices reachable there,
and a recommended split weighted by where the campaign's ads get clicked."""

from __future__ import annotations

import math
from typing import Any

from graph.errors import GraphError

__all__ = ["PlanRefused", "budget_split", "parse_split", "recommended_split"]


class PlanRefused(GraphError):
    """A plan that cannot be made: ``field`` names what is wrong (``split`` or a device type)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_split(text: str, known: tuple[str, ...]) -> dict[str, float]:
    """``tv=0.5,phone=0.5`` → shares by type; refuses unknown types, bad numbers and sums off 1.

    >>> parse_split("tv=0.5, phone=0.3,tablet=0.2", ("tv", "phone", "tablet"))
    {'tv': 0.5, 'phone': 0.3, 'tablet': 0.2}
    >>> parse_split("tv=0.5", ("tv",))
    Traceback (most recent call last):
    ...
    graph.campaigns.plan.PlanRefused: the shares sum to 0.5, not 1
    """
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in known:
            raise PlanRefused("split", f"unknown device type {name!r}; choose from {', '.join(known)}")
        try:
            shares[name] = float(value)
        except ValueError:
            raise PlanRefused("split", f"share of {name} is not a number: {value!r}") from None
        if not 0 <= shares[name] <= 1 or math.isnan(shares[name]):
            raise PlanRefused("split", f"share of {name} must be between 0 and 1")
    total = math.fsum(shares.values())
    if abs(total - 1) > 0.001:
        raise PlanRefused("split", f"the shares sum to {total:g}, not 1")
    return shares


def budget_split(
    budget: float, shares: dict[str, float], reachable: dict[str, dict[str, int]]
) -> list[dict[str, Any]]:
    """Money, households and devices per device type of the split.

    ``reachable`` maps a type to ``{households, devices}`` in the target segment. A type with a
    positive share and no reachable device is refused: the money could not be spent there.

    >>> budget_split(1000, {"tv": 0.6, "phone": 0.4}, {"tv": {"households": 50, "devices": 60},
    ...                                              "phone": {"households": 80, "devices": 150}})[0]["money"]
    400.0
    >>> budget_split(1000, {"console": 1.0}, {})
    Traceback (most recent call last):
    ...
    graph.campaigns.plan.PlanRefused: no reachable console devices in the segment: move its share elsewhere
    """
    if budget < 0 or math.isnan(budget):
        raise PlanRefused("budget", "the budget must be a number >= 0")
    out = []
    for t in sorted(shares):
        reach = reachable.get(t) or {"households": 0, "devices": 0}
        if shares[t] > 0 and not reach["devices"]:
            raise PlanRefused(t, f"no reachable {t} devices in the segment: move its share elsewhere")
        money = round(budget * shares[t], 2)
        out.append(
            {
                "type": t,
                "share": shares[t],
                "money": money,
                "households": reach["households"],
                "devices": reach["devices"],
                "money_per_household": round(money / reach["households"], 2) if reach["households"] else None,
            }
        )
    return out


def recommended_split(reachable: dict[str, dict[str, int]], ctr: dict[str, float | None]) -> dict[str, float]:
    """Shares proportional to reachable households × the campaign's observed CTR per type.

    A type without an observed CTR gets the mean CTR of the others (or 1 when none is known), so a
    new campaign is split by reach alone.

    >>> reach = {"tv": {"households": 100}, "phone": {"households": 100}}
    >>> recommended_split(reach, {"tv": 0.03, "phone": 0.01})
    {'phone': 0.25, 'tv': 0.75}
    >>> recommended_split({"tv": {"households": 30}, "phone": {"households": 10}}, {})
    {'phone': 0.25, 'tv': 0.75}
    """
    known = [v for v in ctr.values() if v]
    fallback = sum(known) / len(known) if known else 1.0
    weights = {t: r["households"] * (ctr.get(t) or fallback) for t, r in reachable.items() if r["households"]}
    total = sum(weights.values())
    if not total:
        raise PlanRefused("segment", "no reachable households in the segment")
    return {t: round(weights[t] / total, 4) for t in sorted(weights)}
