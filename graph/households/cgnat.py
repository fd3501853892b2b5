"""Homes behind carrier-grade NAT: devices that move between shared addresses together.

Behind a CGNAT address live many homes at once, so sharing it says nothing by itself. But
a carrier remaps each home now and then (at night, to another address of its pool), and
all devices of the home move with it, while two homes that shared an address part at the
next remap of either. So two devices are of one home when they were seen moving together
(address ``x`` on one day, address ``y != x`` on a later day, both) *and* their days agree:
on the days both were behind the carrier they were on the same address (a phone may spend
a day at a friend's behind another address; a TV, console or desktop may not: with one of
them, every day agrees), and most of the less active device's days are shared. Pure numpy;
pairs come only from small groups of devices that made the same move, never from all devices
of an address.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.networks import CGNAT, PresenceTable, expand_ranges, in_sorted, sorted_runs
from graph.params import DAY_MS, HOUR_MS, HouseholdParams

__all__ = ["CgnatPairs", "address_days", "address_pools", "cgnat_pairs", "stays_home"]


@dataclass(frozen=True)
class CgnatPairs:
    """Device pairs ``a < b`` of one home behind CGNAT, with their shared windows."""

    a: np.ndarray  # per pair
    b: np.ndarray
    moves: np.ndarray  # moves made together (shared (day, address) -> (later day, other address) steps)
    days: np.ndarray  # address days on the same address
    pw_a: np.ndarray  # per (pair, window) entry: device a, device b, window (absolute)
    pw_b: np.ndarray
    pw_window: np.ndarray
    devices: np.ndarray  # bool per device: in at least one pair


def address_days(hour_ms: np.ndarray, p: HouseholdParams) -> np.ndarray:
    """The address day of each hour: CGNAT leases are read per day starting at ``cgnat_day_start_hour``.

    >>> address_days(np.array([0, 3, 4, 27]) * HOUR_MS, HouseholdParams(cgnat_day_start_hour=4)).tolist()
    [-1, -1, 0, 0]
    """
    return (hour_ms - p.cgnat_day_start_hour * HOUR_MS) // DAY_MS


def stays_home(device_type: np.ndarray, p: HouseholdParams) -> np.ndarray:
    """Per device: a known type people do not carry (``HouseholdParams.carried_types``). On a day
    it is behind another carrier address than a housemate, they are two homes: a phone may spend a
    day at a friend's, a TV does not (an unknown type is given the phone's benefit of the doubt).

    >>> stays_home(np.array([0, 1, 2, 3, 4, -1]), HouseholdParams()).tolist()  # tv, phone, ..., unknown
    [True, False, False, True, True, False]
    """
    return (device_type >= 0) & ~np.isin(device_type, p.carried_codes)


def _empty(n: int) -> CgnatPairs:
    z = np.zeros(0, dtype=np.int64)
    return CgnatPairs(z, z, z, z, z, z, z, np.zeros(n, dtype=bool))


def _pairs_in_groups(gid: np.ndarray, dev: np.ndarray, max_group: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``a < b`` pairs inside runs of equal ``gid`` (``dev`` ascending within a run)."""
    size = np.bincount(gid)[gid] if len(gid) else gid
    ok = (size >= 2) & (size <= max_group)
    pa, pb = [], []
    d = 1
    while d < len(gid):
        same = (gid[:-d] == gid[d:]) & ok[:-d]
        if not same.any():
            break
        idx = np.flatnonzero(same)
        pa.append(dev[idx])
        pb.append(dev[idx + d])
        d += 1
    cat = lambda xs: np.concatenate(xs) if xs else np.zeros(0, np.int64)
    return cat(pa), cat(pb)


def address_pools(n_addresses: int, net1: np.ndarray, net2: np.ndarray) -> np.ndarray:
    """The carrier pool of each address: addresses joined by a home that moved between them.

    A carrier remaps its homes within its own pool, so the addresses a home moved between
    (``net1[i] -> net2[i]``, a move several devices made together) are one pool; a visitor's
    phone alone joins nothing.

    >>> address_pools(5, np.array([0, 1]), np.array([1, 2])).tolist()
    [0, 0, 0, 1, 2]
    """
    g = coo_matrix((np.ones(len(net1)), (net1, net2)), shape=(n_addresses, n_addresses))
    return connected_components(g, directed=False)[1].astype(np.int64)


def _stint_evidence(
    e_dev: np.ndarray,
    e_day: np.ndarray,
    e_net: np.ndarray,
    pos: np.ndarray,
    owner: np.ndarray,
    n_pairs: int,
    pool: np.ndarray,
) -> np.ndarray:
    """Evidence (nats) that two devices share a home, from the addresses they shared.

    Each stint on one address (the first shared day, and every shared day on another address
    than the pair's previous shared day) counts ``-log`` of the chance that an unrelated device
    is there too: the share, among that day's devices behind the address's pool (``pool`` per
    address, :func:`address_pools`), of those on the address that day. Days within a stint are
    not counted again: staying put is what every device behind it does.

    >>> e_dev, e_day = np.repeat([0, 1, 2], 3), np.tile([0, 1, 2], 3)
    >>> e_net = np.array([0, 0, 1, 0, 0, 1, 1, 1, 0])  # devices 0 and 1 move 0 -> 1, device 2 1 -> 0
    >>> pool = np.array([0, 0])
    >>> ev = _stint_evidence(e_dev, e_day, e_net, np.array([0, 1, 2]), np.array([0, 0, 0]), 1, pool)
    >>> round(float(ev[0]), 3)   # two stints, each shared by 2 of the 3 devices of the pool
    0.811
    """
    nc = len(pool)
    keys, counts = sorted_runs(e_day * nc + e_net)
    # who could be there by chance: that day's devices behind the same pool (a carrier remaps its
    # homes within its own pool; other pools are no competition, and a small pool makes every stint
    # weak evidence)
    npool = int(pool.max()) + 1
    pdd, _ = sorted_runs((e_day * npool + pool[e_net]) * (int(e_dev.max()) + 1) + e_dev)
    pop_keys, pop = sorted_runs(pdd // (int(e_dev.max()) + 1))
    share = counts / pop[np.searchsorted(pop_keys, keys // nc * npool + pool[keys % nc])]
    order = np.lexsort((e_day[pos], owner))
    o, d, n = owner[order], e_day[pos][order], e_net[pos][order]
    start = np.r_[True, (o[1:] != o[:-1]) | (n[1:] != n[:-1])] if len(o) else np.zeros(0, bool)
    w = -np.log(np.clip(share[np.searchsorted(keys, d * nc + n)], 1e-9, 1.0))
    return np.bincount(o[start], weights=w[start], minlength=n_pairs)


def cgnat_pairs(
    t: PresenceTable,
    net_class: np.ndarray,
    window_of_hour: np.ndarray,
    hidx: np.ndarray,
    w0: int,
    p: HouseholdParams,
) -> CgnatPairs:
    """Pairs of devices that live together behind CGNAT addresses.

    Parameters
    ----------
    t : PresenceTable
    net_class : array
        Class code per network.
    window_of_hour, hidx, w0 : arrays, int
        Day window (offset by ``w0``) per hour index, and the hour index of each table row.
    p : HouseholdParams

    Returns
    -------
    CgnatPairs
    """
    nd = t.n_devices
    rows = net_class[t.net] == CGNAT
    if not rows.any():
        return _empty(nd)
    # built in place, one int64 array at a time: CGNAT rows can be a large share of a big table
    is_cg = np.zeros(t.n_networks, dtype=bool)
    is_cg[net_class == CGNAT] = True
    cmap = np.cumsum(is_cg) - 1  # compact address codes
    nc = int(cmap[-1]) + 1
    day = t.hour[rows]
    day -= p.cgnat_day_start_hour * HOUR_MS
    day //= DAY_MS
    day -= int(day.min())
    ns = int(day.max()) + 1
    e = t.dev[rows].astype(np.int64)
    e *= ns
    e += day
    del day
    e *= nc
    e += cmap[t.net[rows]]
    e.sort()
    e = e[np.r_[True, e[1:] != e[:-1]]]  # distinct (device, address day, address), by device then day
    e_dev, e_day, e_net = e // (ns * nc), e // nc % ns, e % nc
    devday, _ = sorted_runs(e // nc)
    days_of = np.bincount(devday // ns, minlength=nd)

    # moves: (day, address) -> (later day within the horizon, another address), per device
    mk, md = [], []
    j = 1
    while j < len(e):
        gap = e_day[j:] - e_day[:-j]
        near = (e_dev[j:] == e_dev[:-j]) & (gap <= p.cgnat_horizon_days)
        if not near.any():
            break  # entries run by (device, day): further offsets are only further apart
        sel = np.flatnonzero(near & (gap > 0) & (e_net[j:] != e_net[:-j]))
        mk.append(
            ((e_day[sel] * nc + e_net[sel]) * (p.cgnat_horizon_days + 1) + gap[sel]) * nc + e_net[sel + j]
        )
        md.append(e_dev[sel])
        j += 1
    if not mk:
        return _empty(nd)
    mkey = np.concatenate(mk)
    mdev = np.concatenate(md)
    if not len(mkey):
        return _empty(nd)
    span = nd + 1
    km, _ = sorted_runs(mkey * span + mdev)  # each device once per move
    gnew = np.r_[True, km[1:] // span != km[:-1] // span]
    gid = np.cumsum(gnew) - 1
    pa, pb = _pairs_in_groups(gid, km % span, p.cgnat_max_group)
    together = np.bincount(gid)[gid] >= 2  # moves several devices made together: a home's
    pool = address_pools(
        nc, km[together] // span // nc // (p.cgnat_horizon_days + 1) % nc, km[together] // span % nc
    )
    if not len(pa):
        return _empty(nd)
    pk, moves = sorted_runs(pa * nd + pb)
    keep = moves >= p.cgnat_min_moves
    pk, moves = pk[keep], moves[keep]
    a, b = pk // nd, pk % nd

    # verify: on the days both were behind the carrier, were they on the same address?
    dstart = np.searchsorted(e_dev, np.arange(nd + 1))
    owner, pos = expand_ranges(dstart[a], dstart[a + 1])
    ob = b[owner]
    agree = in_sorted(e, (ob * ns + e_day[pos]) * nc + e_net[pos])
    common = in_sorted(devday, ob * ns + e_day[pos])
    # one count per (pair, day): a device seen on two addresses in one day counts the day once
    pday = owner * ns + e_day[pos]
    agree_days = np.bincount(np.unique(pday[agree]) // ns, minlength=len(a))
    common_days = np.bincount(np.unique(pday[common]) // ns, minlength=len(a))
    least = np.minimum(days_of[a], days_of[b])
    # a device that stays home (a TV) is never away for a day: with one, every shared day agrees
    home_bound = stays_home(t.device_type, p)
    agreement = np.where(home_bound[a] | home_bound[b], 1.0, p.cgnat_min_agreement)
    evidence = _stint_evidence(e_dev, e_day, e_net, pos[agree], owner[agree], len(a), pool)
    # a pool of many devices offers many look-alikes: the evidence must also beat a share of the log of
    # their number (the pool's devices over the run, at the largest pool the pair shared an address in)
    pd_keys, _ = sorted_runs(pool[e_net] * nd + e_dev)
    pool_devices = np.bincount(pd_keys // nd, minlength=int(pool.max()) + 1)
    crowd = np.zeros(len(a), dtype=np.int64)
    np.maximum.at(crowd, owner[agree], pool_devices[pool[e_net[pos[agree]]]])
    gate = np.maximum(p.cgnat_min_evidence, p.cgnat_pool_evidence_factor * np.log(np.maximum(crowd, 1)))
    ok = (
        (evidence >= gate)
        & (agree_days >= p.cgnat_min_days)
        & (agree_days >= agreement * np.maximum(common_days, 1))
        & (agree_days >= p.cgnat_min_share * np.maximum(least, 1))
    )
    a, b, moves, agree_days = a[ok], b[ok], moves[ok], agree_days[ok]
    if not len(a):
        return _empty(nd)

    # shared windows: both on the same address in the same day window
    dev = t.dev[rows].astype(np.int64)
    cnet = cmap[t.net[rows]]
    win = window_of_hour[hidx[rows]].astype(np.int64)
    ws = int(win.max()) + 1
    wk, _ = sorted_runs((dev * ws + win) * nc + cnet)
    w_dev = wk // (ws * nc)
    wstart = np.searchsorted(w_dev, np.arange(nd + 1))
    owner, pos = expand_ranges(wstart[a], wstart[a + 1])
    hit = in_sorted(wk, (b[owner] * ws + wk[pos] // nc % ws) * nc + wk[pos] % nc)
    pw, _ = sorted_runs(owner[hit] * ws + wk[pos][hit] // nc % ws)
    devices = np.zeros(nd, dtype=bool)
    devices[a] = devices[b] = True
    return CgnatPairs(a, b, moves, agree_days, a[pw // ws], b[pw // ws], pw % ws + w0, devices)
