"""IPv4 addresses shared by homes that each have their own IPv6 network (DS-Lite, CGNAT + IPv6).

A dual-stack device reaches some services over IPv4 and most over IPv6. At home on a native
dual-stack line its IPv4 address and its IPv6 /64 are both the home's. Behind a carrier that
shares IPv4 (a DS-Lite AFTR, CGNAT next to native IPv6) each home keeps its own /64 while the
public IPv4 address is the carrier's, shared with other subscribers. So an IPv4 address used in
one hour next to two IPv6 networks whose devices are different homes' is shared, however few
devices a broadcaster sees on it (a carrier address holds a handful of its viewers' homes, which
look like one busy home by counts alone).

Two IPv6 networks are the *same* home on a day when one device used both that day (a prefix
renewed overnight, a phone on the old and the new prefix); a visiting phone links its own home
and its host's for that day, which only makes the test stricter. Pure numpy, steps in order:
:func:`v4_v6_hours`, :func:`pairs_within`, :func:`linked_v6_pairs`, :func:`shared_v4_days`.
"""

from __future__ import annotations

import numpy as np

from graph.vocabulary import HOUR_MS

__all__ = ["PAIR_LIMIT", "linked_v6_pairs", "pairs_within", "shared_v4_days", "v4_v6_hours"]


#: At most this many networks of one group (an address's hour, a device's day) are paired.
PAIR_LIMIT = 8


def v4_v6_hours(
    dev: np.ndarray, net: np.ndarray, hour: np.ndarray, family: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(IPv4 network, hour, IPv6 network)``: one device used both in that hour.

    ``family`` is per network (4 or 6); ``dev, net, hour`` are per presence row.

    >>> v4, h, v6 = v4_v6_hours(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 2]), np.array([5, 5, 5, 6]),
    ...                         np.array([4, 6, 6]))
    >>> v4.tolist(), h.tolist(), v6.tolist()
    ([0], [5], [1])
    """
    dev, net, hour = (np.asarray(a, dtype=np.int64) for a in (dev, net, hour))
    fam = np.asarray(family)[net]
    four, six = fam == 4, fam == 6
    if not four.any() or not six.any():
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    h0, hs = int(hour.min()), int(hour.max() - hour.min()) + 1
    k6 = dev[six] * hs + (hour[six] - h0)
    o6 = np.argsort(k6, kind="stable")
    k6, n6 = k6[o6], net[six][o6]
    k4, n4 = dev[four] * hs + (hour[four] - h0), net[four]
    lo, hi = np.searchsorted(k6, k4), np.searchsorted(k6, k4, side="right")
    cnt = hi - lo
    owner = np.repeat(np.arange(len(k4)), cnt)
    pos = np.arange(len(owner)) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(lo, cnt)
    nn = int(net.max()) + 1
    u = np.unique((n4[owner] * hs + k4[owner] % hs) * nn + n6[pos])
    return u // nn // hs, u // nn % hs + h0, u % nn


def pairs_within(
    group: np.ndarray, value: np.ndarray, limit: int = PAIR_LIMIT
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ``(group, a, b)`` with ``a < b`` two distinct values among a group's ``limit`` smallest
    (a mobile carrier's address may carry thousands of IPv6 networks an hour: a few show it is shared).

    >>> [x.tolist() for x in pairs_within(np.array([1, 1, 1, 2, 3, 3]), np.array([7, 5, 9, 1, 4, 4]))]
    [[1, 1, 1], [5, 5, 7], [7, 9, 9]]
    >>> [x.tolist() for x in pairs_within(np.array([1, 1, 1]), np.array([7, 5, 9]), limit=2)]
    [[1], [5], [7]]
    """
    g, v = np.asarray(group, dtype=np.int64), np.asarray(value, dtype=np.int64)
    if not len(g):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    nv = int(v.max()) + 1
    u = np.unique((g - int(g.min())) * nv + v)  # packed: one int64 sort
    g, v = u // nv + int(g.min()), u % nv
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    g, v = g[rank < limit], v[rank < limit]
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    end = np.r_[start[1:], len(g)]
    after = np.repeat(end, end - start) - np.arange(len(g)) - 1  # later members of the same group
    i = np.repeat(np.arange(len(g)), after)
    j = i + 1 + (np.arange(len(i)) - np.repeat(np.cumsum(after) - after, after))
    return g[i], v[i], v[j]


def linked_v6_pairs(dev: np.ndarray, day: np.ndarray, v6: np.ndarray, n: int) -> np.ndarray:
    """Keys ``(day, a, b)`` (``a < b``, as ``(day * n + a) * n + b``, ``n`` networks) of IPv6 networks
    one device used on the same day: the same home (or a guest's home and its host's).

    >>> n = 10
    >>> k = linked_v6_pairs(np.array([0, 0, 1]), np.array([3, 3, 3]), np.array([2, 5, 5]), n)
    >>> [(int(x) // n // n, int(x) // n % n, int(x) % n) for x in k]
    [(3, 2, 5)]
    """
    dev, day, v6 = (np.asarray(a, dtype=np.int64) for a in (dev, day, v6))
    if not len(dev):
        return np.zeros(0, dtype=np.int64)
    d0, ds = int(day.min()), int(day.max() - day.min()) + 1
    g, a, b = pairs_within(dev * ds + (day - d0), v6)
    return np.unique(((g % ds + d0) * n + a) * n + b)


def shared_v4_days(
    dev: np.ndarray, net: np.ndarray, hour: np.ndarray, day_of_hour, family: np.ndarray, n_networks: int
) -> np.ndarray:
    """Per network: local days on which it was an IPv4 address shared by homes with their own IPv6.

    ``hour`` is epoch ms of the hour bucket; ``day_of_hour`` maps such values to local day numbers.
    On such a day, in one hour, devices used the address next to two IPv6 networks that no device
    used both of that day.

    >>> H = 3_600_000
    >>> day = lambda h: np.asarray(h) // (24 * H)
    >>> fam = np.array([4, 6, 6])
    >>> # two homes (devices 0 and 1) on their own /64s (1, 2), the same IPv4 (0) in one hour
    >>> shared_v4_days(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 2]), np.array([5, 5, 5, 5]) * H,
    ...                day, fam, 3).tolist()
    [1.0, 0.0, 0.0]
    >>> # one home whose prefix was renewed: a device on both /64s that day
    >>> shared_v4_days(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 2, 1]),
    ...                np.array([5, 5, 5, 5, 2]) * H, day, fam, 3).tolist()
    [0.0, 0.0, 0.0]
    """
    out = np.zeros(n_networks, dtype=np.float64)
    hour = np.asarray(hour, dtype=np.int64) // HOUR_MS  # hour numbers keep the packed keys small
    v4, h, v6 = v4_v6_hours(dev, net, hour, family)
    if not len(v4):
        return out
    n = n_networks
    vday = np.asarray(day_of_hour(h * HOUR_MS), dtype=np.int64)
    d0 = int(vday.min())
    hs = int(h.max() - h.min()) + 1
    g, a, b = pairs_within(v4 * hs + (h - int(h.min())), v6)  # two IPv6 networks in one hour
    if not len(g):
        return out
    gv4 = g // hs
    gday = np.asarray(day_of_hour((g % hs + int(h.min())) * HOUR_MS), dtype=np.int64)
    six = np.asarray(family)[np.asarray(net)] == 6
    rows_day = np.asarray(day_of_hour(hour[six] * HOUR_MS), dtype=np.int64)
    linked = linked_v6_pairs(np.asarray(dev)[six], rows_day, np.asarray(net)[six], n)
    apart = ~np.isin((gday * n + a) * n + b, linked)
    shared = np.unique(gv4[apart] * (int(gday.max()) - d0 + 2) + (gday[apart] - d0))
    np.add.at(out, shared // (int(gday.max()) - d0 + 2), 1.0)
    return out
