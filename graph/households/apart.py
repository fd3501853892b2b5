"""Screens that are never in one home: two homes tied by a guest are cut apart between their screens.

A TV or a console does not leave its home (``HouseholdParams.fixed_types``). Two of them seen in
the same hours on different residences (home or carrier addresses of one family), on at least
``min_apart_days`` days, and in an hour on the same one on at most ``max_together_days`` days (a
lease handed over within the hour), are of two homes, whatever ties them in the co-presence graph:
a phone spending a weekend at friends', a guest's tablet, a laptop that goes back and forth. Two
singles who move in together were apart before the move and are together every day after it.
Pairs grow as the square of a component's screens: a component with more than
``max_apart_screens`` of them (a hotel, not a home) is not searched.

The steps: :func:`fixed_rows` (where each fixed device was, hour by hour), :func:`apart_pairs`
(the pairs of one component that were apart), :func:`separate` (cut each household holding an
apart pair at its minimum cut between the two, until none holds one). Pure numpy and networkx;
the Spark engine computes the same pairs (``graph.spark.apart``) and cuts through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from graph.networks import CGNAT, HOME, PresenceTable
from graph.params import DAY_MS, HOUR_MS, HouseholdParams

__all__ = ["FixedRows", "apart_pairs", "fixed_rows", "separate"]


@dataclass(frozen=True)
class FixedRows:
    """Per (fixed device, hour, family) seen on exactly one residence: its network; sorted."""

    dev: np.ndarray
    hour: np.ndarray  # epoch ms of the hour
    family: np.ndarray
    net: np.ndarray


def fixed_rows(t: PresenceTable, net_class: np.ndarray, p: HouseholdParams) -> FixedRows:
    """Where each device of ``p.fixed_types`` was, hour by hour, on home and carrier networks; an
    hour on two networks of one family (a lease changed within it) says nothing and is dropped.

    >>> t = PresenceTable.from_rows([
    ...     {"device": "tv", "device_type": "tv", "network": n, "family": 4, "hour": h, "events": 1}
    ...     for n, h in [("x", 0), ("y", 0), ("x", 3_600_000)]
    ... ] + [{"device": "ph", "device_type": "phone", "network": "x", "family": 4, "hour": 0, "events": 1}])
    >>> r = fixed_rows(t, np.array([HOME, HOME]), HouseholdParams())
    >>> r.dev.tolist(), r.hour.tolist(), r.net.tolist()
    ([1], [3600000], [0])
    """
    keep = np.isin(t.device_type[t.dev], p.fixed_codes) & np.isin(net_class[t.net], [HOME, CGNAT])
    dev, hour, net = t.dev[keep].astype(np.int64), t.hour[keep], t.net[keep].astype(np.int64)
    fam = t.network_family[net].astype(np.int64)
    order = np.lexsort((net, fam, hour, dev))
    dev, hour, fam, net = dev[order], hour[order], fam[order], net[order]
    start = np.ones(len(dev), dtype=bool)
    start[1:] = (dev[1:] != dev[:-1]) | (hour[1:] != hour[:-1]) | (fam[1:] != fam[:-1])
    slot = np.cumsum(start) - 1
    nets = np.bincount(slot, minlength=int(start.sum()))  # rows are (dev, hour, family, net)-unique
    one = start & (nets[slot] == 1)
    return FixedRows(dev[one], hour[one], fam[one], net[one])


def apart_pairs(rows: FixedRows, comp: np.ndarray, p: HouseholdParams) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of fixed devices in one component (``comp``: component per device code, of at
    most ``p.max_apart_screens`` fixed devices) that were on different residences in the same hours
    on ``p.min_apart_days`` days, and on one on at most ``p.max_together_days``.

    >>> rows = FixedRows(np.array([0, 0, 1, 1, 2]), np.array([0, DAY_MS, 0, DAY_MS, 0]),
    ...                  np.array([4, 4, 4, 4, 4]), np.array([5, 5, 6, 6, 5]))
    >>> [x.tolist() for x in apart_pairs(rows, np.array([0, 0, 0]), HouseholdParams())]
    [[0], [1]]
    >>> [x.tolist() for x in apart_pairs(rows, np.array([0, 1, 0]), HouseholdParams())]  # other components
    [[], []]
    """
    none = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(rows.dev) == 0:
        return none
    devs = np.unique(rows.dev)
    devs = devs[np.argsort(comp[devs], kind="stable")]
    dcomp = comp[devs]
    lo, hi = np.searchsorted(dcomp, dcomp), np.searchsorted(dcomp, dcomp, side="right")
    small = hi - lo <= p.max_apart_screens
    devs, dcomp = devs[small], dcomp[small]
    hi = np.searchsorted(dcomp, dcomp, side="right")
    # each device with every later device of its component (devices are few per component)
    reps = hi - np.arange(len(devs)) - 1
    if reps.sum() == 0:
        return none
    ia = np.repeat(np.arange(len(devs)), reps)
    ib = np.arange(len(ia)) - np.repeat(np.cumsum(reps) - reps, reps) + ia + 1
    a, b = np.minimum(devs[ia], devs[ib]), np.maximum(devs[ia], devs[ib])
    # a's rows, each looked up in b's (same hour and family)
    start = np.searchsorted(rows.dev, a)
    count = np.searchsorted(rows.dev, a, side="right") - start
    pair = np.repeat(np.arange(len(a)), count)
    ra = np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count) + np.repeat(start, count)
    first, hours = int(rows.hour.min()), int(rows.hour.max() - rows.hour.min()) // HOUR_MS + 1
    key = _slot_key(rows.dev, rows.hour, rows.family, first, hours)
    want = _slot_key(b[pair], rows.hour[ra], rows.family[ra], first, hours)
    at = np.minimum(np.searchsorted(key, want), len(key) - 1)
    both = key[at] == want
    pair, ra, rb = pair[both], ra[both], at[both]
    same = rows.net[ra] == rows.net[rb]
    day = rows.hour[ra] // DAY_MS
    together = _distinct_days(pair[same], day[same], len(a))
    apart = _distinct_days(pair[~same], day[~same], len(a))
    ok = (apart >= p.min_apart_days) & (together <= p.max_together_days)
    order = np.lexsort((b[ok], a[ok]))
    return a[ok][order], b[ok][order]


def _distinct_days(pair: np.ndarray, day: np.ndarray, n: int) -> np.ndarray:
    """Per pair (``0..n-1``): distinct days among its (pair, day) rows.

    >>> _distinct_days(np.array([0, 0, 0, 2]), np.array([5, 5, 6, 5]), 3).tolist()
    [2, 0, 1]
    """
    span = int(day.max(initial=0)) + 1
    return np.bincount(np.unique(pair * span + day) // span, minlength=n)


def _slot_key(
    dev: np.ndarray, hour: np.ndarray, family: np.ndarray, first_hour: int, hours: int
) -> np.ndarray:
    """One int per (device, hour, family) of hours ``first_hour`` (epoch ms) onwards, ``hours`` of
    them: rows sorted by (device, hour, family) stay sorted.

    >>> _slot_key(np.array([0, 0, 1]), np.array([0, 3_600_000, 0]), np.array([6, 4, 4]), 0, 2).tolist()
    [1, 2, 4]
    """
    return dev.astype(np.int64) * (2 * hours) + (hour - first_hour) // HOUR_MS * 2 + (family == 6)


def separate(
    G: nx.Graph, parts: Sequence[Sequence[int]], apart: Sequence[tuple[int, int]]
) -> list[list[int]]:
    """``parts`` with each part that holds an ``apart`` pair cut at the minimum cut (of the edge
    weights of ``G``) between its first such pair, again until none holds one. Sorted lists, sorted.

    >>> G = nx.Graph()
    >>> G.add_weighted_edges_from([(0, 1, 5), (1, 2, 1), (2, 3, 5), (3, 4, 5), (2, 4, 5)])
    >>> separate(G, [[0, 1, 2, 3, 4]], [(0, 3)])  # a guest (2) between homes {0, 1} and {3, 4}
    [[0, 1], [2, 3, 4]]
    >>> separate(G, [[0, 1], [2, 3, 4]], [(0, 3)])
    [[0, 1], [2, 3, 4]]
    """
    todo = [sorted(x) for x in parts]
    out: list[list[int]] = []
    pairs = sorted(apart)
    while todo:
        members = todo.pop()
        inside = set(members)
        split = next(((s, t) for s, t in pairs if s in inside and t in inside), None)
        if split is None:
            out.append(members)
            continue
        H = nx.Graph()
        H.add_nodes_from(members)
        H.add_weighted_edges_from(
            sorted(
                (min(u, v), max(u, v), w) for u, v, w in G.subgraph(members).edges(data="weight") if u != v
            )
        )
        _, (side, rest) = nx.minimum_cut(H, split[0], split[1], capacity="weight")
        todo += [sorted(side), sorted(rest)]
    return sorted(out)
