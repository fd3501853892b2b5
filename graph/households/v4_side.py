"""The IPv4 side of a DS-Lite home: devices seen only on the carrier's shared address join the
home whose IPv6 devices use that address in the same hours.

With DS-Lite a home has an IPv6 /64 of its own but no IPv4 address: IPv4 goes through the
carrier's AFTR, whose public address several homes share and which the carrier remaps now and
then. An IPv4-only device (an older smart TV, a console, a streaming stick) is then seen only on
that shared address: no home network, so no co-presence, and it stays unassigned or makes a
household of its own with the home's other IPv4-only devices. That is often the living-room TV,
the screen a broadcaster cares about most. The home's dual-stack devices reach IPv4-only services
through the same address, in the hours they are on their /64. The steps:

- :func:`home_v4_days`: per household with an IPv6 home network, the carrier addresses its
  devices used in an hour they were on its own IPv6 home network (:func:`network_owners`: not
  a friend's, where a guest's phone reaches IPv4 through the friend's carrier address), per
  address day;
- :func:`carrier_only_units`: the devices unassigned for want of a home network, and the
  households none of whose devices lives on a home network (:func:`lives_on_home_networks`: a
  phone of a carrier home seen at a friend's now and then does not), with their carrier
  address days;
- :func:`sole_followed`: per unit, the one household that was on one of its addresses on every
  address day both were seen behind the carrier, on at least ``v4_side_min_days`` days; none
  where two households were (two homes that stayed on one address are not told apart);
- :func:`join_v4_sides`: the units join it.

A home behind CGNAT without IPv6 has no IPv6 devices to follow, and a phone visiting a friend's
home behind a carrier is not on its own /64 in that hour: neither ties anyone.
"""

from __future__ import annotations

import numpy as np

from graph.households.cgnat import address_days
from graph.households.cluster import ALONE_WITH_LITTLE_EVIDENCE, NO_HOME_NETWORK, TOO_FEW_HOME_WINDOWS
from graph.networks import CGNAT, HOME, PresenceTable, expand_ranges, in_sorted, sorted_runs
from graph.params import DAY_MS, HOUR_MS, HouseholdParams

__all__ = [
    "carrier_only_units",
    "home_v4_days",
    "join_v4_sides",
    "lives_on_home_networks",
    "network_owners",
    "sole_followed",
]


def _day_keys(owner: np.ndarray, day: np.ndarray, net: np.ndarray, nd: int, nn: int) -> np.ndarray:
    """Distinct ``(owner, day, net)`` as sorted int64 keys (``day`` from 0 to ``nd - 1``)."""
    return sorted_runs((owner.astype(np.int64) * nd + day) * nn + net)[0]


def network_owners(t: PresenceTable, rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per network: the household with strictly the most devices among ``rows`` (bool per row) on
    it, or -1 (none there, or a tie).

    >>> seen = (("a", "x"), ("b", "x"), ("c", "x"), ("c", "y"), ("d", "y"))
    >>> t = PresenceTable.from_rows([{"device": d, "network": n, "hour": 0} for d, n in seen])
    >>> network_owners(t, np.ones(5, bool), np.array([0, 0, 1, 2])).tolist()
    [0, -1]
    """
    owner = np.full(t.n_networks, -1, dtype=np.int64)
    r = rows & (labels[t.dev] >= 0)
    if not r.any():
        return owner
    nh = int(labels.max()) + 1
    net_dev = sorted_runs(t.net[r].astype(np.int64) * t.n_devices + t.dev[r])[0]
    keys, count = sorted_runs(net_dev // t.n_devices * nh + labels[net_dev % t.n_devices])
    net = keys // nh
    order = np.lexsort((-count, net))  # per network, the largest count first
    net, count, hh = net[order], count[order], (keys % nh)[order]
    first = np.r_[True, net[1:] != net[:-1]]
    second = np.r_[first[1:], True]  # the next entry starts another network
    runner_up = np.where(second, 0, np.r_[count[1:], 0])
    sole = first & (count > runner_up)
    owner[net[sole]] = hh[sole]
    return owner


def lives_on_home_networks(t: PresenceTable, net_class: np.ndarray, share: float) -> np.ndarray:
    """Per device: seen on home networks on more than ``share`` of the days it was behind a
    carrier (every device seen on a home network and never behind a carrier does).

    >>> t = PresenceTable.from_rows([{"device": d, "network": n, "hour": day * DAY_MS}
    ...                              for d, n, days in (("a", "cg", range(6)), ("a", "h", [2]),
    ...                                                 ("b", "h", [0]), ("c", "cg", [0]))
    ...                              for day in days])
    >>> lives_on_home_networks(t, np.array([CGNAT, HOME]), 0.5).tolist()
    [False, True, False]
    """
    cls = net_class[t.net]
    day = t.hour // DAY_MS
    day = day - int(day.min()) if len(day) else day
    span = int(day.max()) + 1 if len(day) else 1

    def days_on(rows: np.ndarray) -> np.ndarray:
        dd = sorted_runs(t.dev[rows].astype(np.int64) * span + day[rows])[0]
        return np.bincount(dd // span, minlength=t.n_devices)

    return days_on(cls == HOME) > share * days_on(cls == CGNAT)


def home_v4_days(
    t: PresenceTable, net_class: np.ndarray, labels: np.ndarray, day: np.ndarray, nd: int
) -> np.ndarray:
    """Keys ``(household * nd + address day) * n_networks + address`` of the carrier addresses
    each household's devices used in an hour they were on its own IPv6 home network (the
    household with the most devices there, :func:`network_owners`).

    Device 0 (household 0) is on its /64 (network 1) and on the carrier's address (network 0)
    in hour 19 of day 0, and on the carrier alone in hour 20 (not counted):

    >>> t = PresenceTable.from_rows([
    ...     {"device": "a", "network": n, "family": f, "hour": h * HOUR_MS}
    ...     for n, f, h in (("cg", 4, 19), ("v6", 6, 19), ("cg", 4, 20))])
    >>> home_v4_days(t, np.array([CGNAT, HOME]), np.array([0]), np.zeros(3, np.int64), 1).tolist()
    [0]
    """
    cls = net_class[t.net]
    r = (cls == CGNAT) & (labels[t.dev] >= 0)
    behind = np.zeros(t.n_devices, dtype=bool)  # only these devices' IPv6 hours matter
    behind[t.dev[r]] = True
    v6 = (cls == HOME) & (t.network_family[t.net] == 6)
    v6 &= behind[t.dev] & (network_owners(t, v6, labels)[t.net] == labels[t.dev])
    h0 = int(t.hour.min()) // HOUR_MS if len(t.hour) else 0
    span = int(t.hour.max()) // HOUR_MS - h0 + 1 if len(t.hour) else 1
    on_v6 = sorted_runs(t.dev[v6].astype(np.int64) * span + (t.hour[v6] // HOUR_MS - h0))[0]
    r[r] = in_sorted(on_v6, t.dev[r].astype(np.int64) * span + (t.hour[r] // HOUR_MS - h0))
    return _day_keys(labels[t.dev[r]], day[r], t.net[r], nd, t.n_networks)


def carrier_only_units(
    t: PresenceTable,
    net_class: np.ndarray,
    labels: np.ndarray,
    day: np.ndarray,
    nd: int,
    home_day_share: float = HouseholdParams.v4_side_home_day_share,
) -> tuple[np.ndarray, np.ndarray]:
    """``(unit per device, keys)``: a unit is a household none of whose devices lives on a home
    network (its label; :func:`lives_on_home_networks` at ``home_day_share``), or a device
    unassigned for want of one (``k + device code``, ``k`` the number of labels: never on one, or
    unassigned for too little evidence and not living on one); -1 for the other devices.
    ``keys``: ``(unit * nd + address day) * n_networks + address`` of the units' carrier rows.

    Device a (household 0) lives on a home network; b (household 1) and c (unassigned) only
    behind the carrier:

    >>> t = PresenceTable.from_rows([{"device": d, "network": n, "hour": 0}
    ...                              for d, n in (("a", "h"), ("b", "cg"), ("c", "cg"))])
    >>> unit, keys = carrier_only_units(t, np.array([CGNAT, HOME]), np.array([0, 1, -1]),
    ...                                 np.zeros(3, np.int64), 1)
    >>> unit.tolist(), keys.tolist()
    ([-1, 1, 4], [2, 8])
    """
    n, k = t.n_devices, int(labels.max()) + 1 if len(labels) else 0
    cls = net_class[t.net]
    on_home = lives_on_home_networks(t, net_class, home_day_share)
    hh_home = np.zeros(max(k, 1), dtype=bool)
    pos = labels >= 0
    np.logical_or.at(hh_home, labels[pos], on_home[pos])
    unit = np.full(n, -1, dtype=np.int64)
    carrier_hh = pos & ~hh_home[np.maximum(labels, 0)]
    unit[carrier_hh] = labels[carrier_hh]
    little = np.isin(labels, (TOO_FEW_HOME_WINDOWS, ALONE_WITH_LITTLE_EVIDENCE))
    lone = (labels == NO_HOME_NETWORK) | (little & ~on_home)
    unit[lone] = k + np.flatnonzero(lone)
    r = (cls == CGNAT) & (unit[t.dev] >= 0)
    return unit, _day_keys(unit[t.dev[r]], day[r], t.net[r], nd, t.n_networks)


def sole_followed(units: np.ndarray, homes: np.ndarray, nd: int, nn: int, min_days: int) -> dict[int, int]:
    """Per unit (keys of :func:`carrier_only_units`): the one household (keys of
    :func:`home_v4_days`) that shared one of its addresses on every address day both were seen,
    on at least ``min_days`` days.

    Unit 5 is on address 0 on days 0-2; household 1 is there on days 0-2, household 2 on day 0
    and on address 1 on day 1:

    >>> key = lambda o, d, a: (o * 3 + d) * 2 + a
    >>> units = np.array([key(5, 0, 0), key(5, 1, 0), key(5, 2, 0)])
    >>> homes = np.sort(np.array([key(1, 0, 0), key(1, 1, 0), key(1, 2, 0), key(2, 0, 0), key(2, 1, 1)]))
    >>> sole_followed(units, homes, 3, 2, min_days=3), sole_followed(units, homes, 3, 2, min_days=4)
    ({5: 1}, {})
    """
    if not len(units) or not len(homes):
        return {}
    # candidate (unit, household) pairs: on one address the same day
    u_at, h_at = units % (nd * nn), homes % (nd * nn)
    order = np.argsort(h_at, kind="stable")
    h_sorted = h_at[order]
    lo, hi = np.searchsorted(h_sorted, u_at), np.searchsorted(h_sorted, u_at, side="right")
    ui, hp = expand_ranges(lo, hi)
    u, h, d = units[ui] // (nd * nn), homes[order[hp]] // (nd * nn), units[ui] // nn % nd
    span = int(max(u.max(), h.max())) + 1 if len(u) else 1
    pair_day = sorted_runs((u * span + h) * nd + d)[0]  # distinct (pair, day) on a shared address
    pairs, shared = sorted_runs(pair_day // nd)
    # the days both were seen behind the carrier
    u_days = sorted_runs(units // nn)[0]  # unit * nd + day
    h_days = sorted_runs(homes // nn)[0]
    pu, ph = pairs // span, pairs % span
    starts = np.searchsorted(u_days, pu * nd)
    ends = np.searchsorted(u_days, (pu + 1) * nd)
    owner, pos = expand_ranges(starts, ends)
    common = np.bincount(
        owner, weights=in_sorted(h_days, ph[owner] * nd + u_days[pos] % nd), minlength=len(pairs)
    )
    ok = (shared == common) & (shared >= min_days)
    cand, n_ok = sorted_runs(pu[ok])
    sole = set(cand[n_ok == 1].tolist())
    return {int(a): int(b) for a, b in zip(pu[ok].tolist(), ph[ok].tolist()) if a in sole}


def join_v4_sides(
    t: PresenceTable, net_class: np.ndarray, labels: np.ndarray, p: HouseholdParams
) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, joined)``: the IPv4 sides of DS-Lite homes (units of :func:`carrier_only_units`)
    joined to the household they follow (:func:`sole_followed` of :func:`home_v4_days`), labels
    renumbered ``0..k-1``; ``joined``: per device, whether it joined. ``p.join_v4_sides`` off: as
    they were.

    A TV seen only on the carrier's address 0, on the four days the phone of household 0 used it
    in the hours it was on its /64:

    >>> rows = [{"device": "tv", "network": "cg", "family": 4, "hour": (24 * d + 20) * HOUR_MS}
    ...         for d in range(4)]
    >>> rows += [{"device": "ph", "network": n, "family": f, "hour": (24 * d + 19) * HOUR_MS}
    ...          for d in range(4) for n, f in (("cg", 4), ("v6", 6))]
    >>> t = PresenceTable.from_rows(rows)
    >>> labels, joined = join_v4_sides(t, np.array([CGNAT, HOME]), np.array([0, -1]), HouseholdParams())
    >>> labels.tolist(), joined.tolist()
    ([0, 0], [False, True])
    """
    joined = np.zeros(len(labels), dtype=bool)
    if not p.join_v4_sides or not len(labels) or not (labels >= 0).any():
        return labels, joined
    carrier = net_class[t.net] == CGNAT
    if not carrier.any():
        return labels, joined
    day = np.zeros(len(t.hour), dtype=np.int64)
    day[carrier] = address_days(t.hour[carrier], p)
    day[carrier] -= int(day[carrier].min())
    nd, nn = int(day.max()) + 1, t.n_networks
    unit, units = carrier_only_units(t, net_class, labels, day, nd, p.v4_side_home_day_share)
    if not len(units):
        return labels, joined
    homes = home_v4_days(t, net_class, labels, day, nd)
    follow = sole_followed(units, homes, nd, nn, p.v4_side_min_days)
    if not follow:
        return labels, joined
    target = np.full(int(unit.max()) + 1, -1, dtype=np.int64)
    target[list(follow)] = list(follow.values())
    to = np.where(unit >= 0, target[np.maximum(unit, 0)], -1)
    joined = to >= 0
    out = np.where(joined, to, labels)
    pos = out >= 0
    _, out[pos] = np.unique(out[pos], return_inverse=True)  # households that joined another: gone
    return out, joined
