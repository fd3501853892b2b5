"""Households (or devices) over each campaign's frequency cap, kept up to date incrementally (pure).

Whether a unit is over the cap needs every impression time of the unit, sorted: the one slow figure of
the report. The ``campaigns`` job keeps, on each campaign, every unit's impression count and whether it
is over the cap. A run compares the counts now (aggregated in the server, cheap) with the stored ones
and sorts the times of the units that changed only: a unit whose count did not change cannot have
changed status, and a unit with at most ``cap_max`` impressions cannot be over. A campaign whose cap
changed (a new record) is checked in full.

State per campaign: ``{"cap": "max/window_s/per", "units": [...], "counts": [...], "over": [...]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.campaigns.metrics import cap_of, over_cap

__all__ = ["cap_key", "cap_rows", "units_to_check"]

Counts = Mapping[str, Mapping[str, int]]


def cap_key(plan: dict[str, Any] | None) -> str:
    """The cap a campaign's state was computed for (a changed key means: check every unit again).

    >>> cap_key(None), cap_key({"cap_max": 2, "cap_window_s": 1800, "cap_per": "device"})
    ('3/3600/household', '2/1800/device')
    """
    return "/".join(str(v) for v in cap_of(plan))


def _stored(state: Mapping[str, Any] | None, key: str) -> dict[str, int]:
    if not state or state.get("cap") != key:
        return {}
    return dict(zip(state["units"], state["counts"]))


def units_to_check(
    counts: Counts, stored: Mapping[str, Mapping[str, Any]], plans: Mapping[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    """(campaign, unit) pairs whose times must be sorted: a new or changed count above the cap's max.

    >>> counts = {"k": {"H1": 5, "H2": 5, "H3": 1, "H4": 7}}
    >>> stored = {"k": {"cap": "3/3600/household", "units": ["H1", "H2"], "counts": [5, 4], "over": [1, 0]}}
    >>> units_to_check(counts, stored, {})
    [('k', 'H2'), ('k', 'H4')]
    >>> len(units_to_check(counts, {}, {}))  # nothing stored: every unit above the max
    3
    """
    out = []
    for cid in sorted(counts):
        plan = plans.get(cid)
        before = _stored(stored.get(cid), cap_key(plan))
        limit = cap_of(plan)[0]
        out += [(cid, u) for u, n in sorted(counts[cid].items()) if n > limit and before.get(u) != n]
    return out


def cap_rows(
    counts: Counts,
    stored: Mapping[str, Mapping[str, Any]],
    plans: Mapping[str, dict[str, Any]],
    times: Iterable[tuple[str, str, list[int]]],
) -> list[dict[str, Any]]:
    """The new state of every campaign in ``counts`` with its number of units over the cap.

    ``times``: (campaign, unit, impression times) of the units :func:`units_to_check` named; every other
    unit keeps its stored status (or is under the cap: at most ``cap_max`` impressions).

    >>> counts = {"k": {"H1": 5, "H2": 4, "H3": 1}}
    >>> stored = {"k": {"cap": "3/3600/household", "units": ["H1"], "counts": [5], "over": [True]}}
    >>> [row] = cap_rows(counts, stored, {}, [("k", "H2", [0, 10, 20, 4_000_000])])
    >>> row["units"], row["over"], row["over_cap"]
    (['H1', 'H2', 'H3'], [True, False, False], 1)
    >>> cap_rows(counts, stored, {}, [("k", "H2", [0, 10, 20, 30])])[0]["over_cap"]
    2
    """
    checked: dict[tuple[str, str], bool] = {}
    caps = {cid: cap_of(plans.get(cid)) for cid in counts}
    for cid, unit, ts in times:
        cap = caps[cid]
        checked[(cid, unit)] = over_cap(ts, cap[0], cap[1] * 1000)
    rows = []
    for cid in sorted(counts):
        key = cap_key(plans.get(cid))
        state = stored.get(cid)
        before = dict(zip(state["units"], state["over"])) if state and state.get("cap") == key else {}
        units = sorted(counts[cid])
        limit = caps[cid][0]
        over = [
            checked[(cid, u)]
            if (cid, u) in checked
            else counts[cid][u] > limit and bool(before.get(u, False))
            for u in units
        ]
        rows.append(
            {
                "campaign": cid,
                "cap": key,
                "units": units,
                "counts": [counts[cid][u] for u in units],
                "over": over,
                "over_cap": sum(over),
            }
        )
    return rows
