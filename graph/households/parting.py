"""Devices that left their household: the last days of the data at a home of their own.

People move out (a student leaves home, a couple parts): the device keeps its evidence of the
weeks with its old household, and the clustering keeps it there, although its last days were
spent at another home while the household was at its own. A device has left its household
when, on each of its last ``HouseholdParams.parting_days`` active days,

- it was on a home network, and on none its household's other devices used that day
  (:func:`away_days`);
- two or more of its household's other devices were together on a home network that day: the
  household was at home (not away together), and the one who left is told from the one who
  stayed (in a household of two, neither is);
- and no other household's device was on its home networks that day: a night at a friend's or
  at the parents' is a visit, where the host lives (:mod:`graph.leases` reads those as visits).

Such a device is unassigned (``left_household``): the evidence of its new home is too short to
place it, and the old household's pairs with it are no longer true. An incremental run never
unassigns a known device (``graph.households.settle``); the next full run does.
"""

from __future__ import annotations

import numpy as np

from graph.networks import HOME, PresenceTable, sorted_runs
from graph.params import DAY_MS, HouseholdParams

__all__ = ["away_days", "last_days", "left_households"]


def away_days(dev: np.ndarray, day: np.ndarray, net: np.ndarray, labels: np.ndarray, nd: int) -> np.ndarray:
    """Keys ``device * nd + day`` (sorted) of the days an assigned device spent on home networks
    away from its household: ``dev, day, net`` are its home-network rows (days ``0..nd-1``).

    Devices 0-2 (household 0) are on network 5 on day 0; device 0 is alone on network 6 on days
    1 and 2 while devices 1 and 2 are on 5; device 3 (household 1) is on 6 on day 2 too:

    >>> dev = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 3])
    >>> day = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    >>> net = np.array([5, 5, 5, 6, 5, 5, 6, 5, 5, 6])
    >>> away_days(dev, day, net, np.array([0, 0, 0, 1]), 3).tolist()   # device 0 on day 1 only
    [1]
    """
    lab = labels[dev].astype(np.int64)
    keep = lab >= 0
    dev, day, net, lab = dev[keep].astype(np.int64), day[keep], net[keep].astype(np.int64), lab[keep]
    if not len(dev):
        return np.zeros(0, np.int64)
    nn, nh = int(net.max()) + 1, int(lab.max()) + 1
    # distinct (device, day, network) rows, and per (household, day, network) / (day, network) counts
    row = sorted_runs((dev * nd + day) * nn + net)[0]
    d, x, w = row // (nd * nn), row // nn % nd, row % nn
    h = labels[d].astype(np.int64)
    hxw, members_there = sorted_runs((h * nd + x) * nn + w)
    xw_h = sorted_runs((x * nn + w) * nh + h)[0]
    xw, households_there = sorted_runs(xw_h // nh)
    # per (household, day): the most of its devices together on one network
    hx, first = np.unique(hxw // nn, return_index=True)
    together = np.maximum.reduceat(members_there, first) if len(first) else first
    alone = members_there[np.searchsorted(hxw, (h * nd + x) * nn + w)] == 1
    unvisited = households_there[np.searchsorted(xw, x * nn + w)] == 1
    others_home = together[np.searchsorted(hx, h * nd + x)] >= 2
    ok = alone & unvisited & others_home
    # a day is away when every home network the device used that day is
    dx, rows_of = sorted_runs(d * nd + x)
    good = np.bincount(np.searchsorted(dx, d * nd + x), weights=ok, minlength=len(dx))
    return dx[good == rows_of]


def last_days(
    dev: np.ndarray, day: np.ndarray, n_devices: int, nd: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, count)``: keys ``device * nd + day`` of each device's last ``k`` active days
    (sorted), and per device how many it has (at most ``k``).

    >>> keys, count = last_days(np.array([0, 0, 0, 1]), np.array([0, 2, 3, 1]), 2, 4, 2)
    >>> keys.tolist(), count.tolist()
    ([2, 3, 5], [2, 1])
    """
    dd = sorted_runs(dev.astype(np.int64) * nd + day)[0]
    owner = dd // nd
    rank_from_end = np.searchsorted(owner, owner, side="right") - 1 - np.arange(len(dd))
    keys = dd[rank_from_end < k]
    return keys, np.bincount(keys // nd, minlength=n_devices)


def left_households(
    t: PresenceTable, net_class: np.ndarray, labels: np.ndarray, p: HouseholdParams
) -> np.ndarray:
    """Bool per device: assigned, and away from its household (:func:`away_days`) on each of its
    last ``p.parting_days`` active days (UTC days); none with ``parting_days`` 0.

    >>> H = 3_600_000
    >>> seen = (("tv", "home", range(7)), ("tab", "home", range(7)), ("ph", "home", range(5)),
    ...         ("ph", "flat", [5, 6]))
    >>> t = PresenceTable.from_rows([{"device": d, "network": n, "hour": (24 * day + 20) * H}
    ...                              for d, n, days in seen for day in days])
    >>> left_households(t, np.array([HOME, HOME]), np.array([0, 0, 0]), HouseholdParams()).tolist()
    [True, False, False]
    """
    k = p.parting_days
    if k <= 0 or not len(t.hour):
        return np.zeros(len(labels), dtype=bool)
    day = t.hour // DAY_MS
    day = day - int(day.min())
    nd = int(day.max()) + 1
    home = net_class[t.net] == HOME
    away = away_days(t.dev[home], day[home], t.net[home], labels, nd)
    tail, count = last_days(t.dev, day, t.n_devices, nd, k)
    hit = np.isin(tail, away)
    away_tail = np.bincount(tail[hit] // nd, minlength=t.n_devices)
    return (labels >= 0) & (count == k) & (away_tail == k)
