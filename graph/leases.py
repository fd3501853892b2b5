"""Address ownership by lease: who lives on a home address *while* a device is seen there.

An ISP hands an IPv4 address to one home for a lease (a day, a week), then to another,
and often back to an earlier holder. So an address belongs to a household only during
the stretch of time in which that household's devices use it, and a device on its own
home's new address is never visiting the address's earlier or later holder.

A household's *stay* on a network is a run of its presence hours there with no gap longer
than ``stay_gap_hours``. A stay of household A is a visit to household B when it is short
(at most ``max_visit_hours``) and inside a stay of B there: B's stay starts no later and
ends no earlier (strictly both ways for a one-hour stay), or B was there before A's first
hour and after it (the host's devices may go quiet while the guest stays on), or B's devices
were there within ``stay_gap_hours`` before A's stay and within as much after it. At a
reassignment the address's set of households changes: the earlier holder's stay ends where
the new holder's begins (at most one hour bucket shared), so neither lies inside the other
nor brackets it.

A longer stay, of a weekend at most (``max_long_visit_hours``), is a visit only when all its
devices are ones people carry (phones, tablets) and a stay of the host *holds* it: the host was
there when it began and is still there near its end. A lease handed to B between two of A's is
bracketed by A's devices but never held (A's devices are elsewhere during it), so a day-long lease
is never read as a visit. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.networks import sorted_runs
from graph.params import HOUR_MS, SocialParams

__all__ = ["Stays", "household_stays", "resident_hosts", "visit_hosts"]


@dataclass(frozen=True)
class Stays:
    """Stays of households on networks, and each presence row's stay."""

    net: np.ndarray  # per stay
    hh: np.ndarray
    first: np.ndarray  # first and last hour index (hours since epoch)
    last: np.ndarray
    of_row: np.ndarray  # per input row: stay index


def household_stays(net: np.ndarray, hh: np.ndarray, hour_ms: np.ndarray, gap_hours: int) -> Stays:
    """Group presence rows into stays: same network, same household, gaps of at most ``gap_hours``.

    >>> s = household_stays(np.array([0, 0, 0, 0]), np.array([1, 1, 1, 2]),
    ...                     np.array([0, 2, 30, 1]) * HOUR_MS, gap_hours=12)
    >>> s.first.tolist(), s.last.tolist(), s.hh.tolist(), s.of_row.tolist()
    ([0, 30, 1], [2, 30, 1], [1, 1, 2], [0, 0, 1, 2])
    """
    hr = np.asarray(hour_ms, dtype=np.int64) // HOUR_MS
    if not len(hr):
        z = np.zeros(0, dtype=np.int64)
        return Stays(z, z, z, z, z)
    h0 = int(hr.min())
    hspan = int(hr.max()) - h0 + 1
    nh = int(hh.max()) + 1
    key = (net.astype(np.int64) * nh + hh) * hspan + (hr - h0)
    e, _ = sorted_runs(key)
    e_nh, e_hr = e // hspan, e % hspan + h0
    new = np.r_[True, (e_nh[1:] != e_nh[:-1]) | (e_hr[1:] - e_hr[:-1] > gap_hours)]
    sid = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(e)] - 1
    return Stays(
        e_nh[starts] // nh,
        e_nh[starts] % nh,
        e_hr[starts],
        e_hr[ends],
        sid[np.searchsorted(e, key)],
    )


def carried(st: Stays, portable: np.ndarray | None) -> np.ndarray:
    """Per stay: all its rows are of devices people carry (``portable`` per row; none if absent).

    >>> st = household_stays(np.array([0, 0, 1]), np.array([0, 0, 1]), np.array([1, 2, 1]) * HOUR_MS, 12)
    >>> carried(st, np.array([True, False, True])).tolist(), carried(st, None).tolist()
    ([False, True], [False, False])
    """
    if portable is None:
        return np.zeros(len(st.net), dtype=bool)
    fixed = ~np.asarray(portable, dtype=bool)
    return np.bincount(st.of_row, weights=fixed, minlength=len(st.net)) == 0


def visit_hosts(
    net: np.ndarray,
    hh: np.ndarray,
    hour_ms: np.ndarray,
    sp: SocialParams,
    portable: np.ndarray | None = None,
) -> np.ndarray:
    """Per presence row (on home networks, of assigned devices): the household it visits, or -1.

    Parameters
    ----------
    net, hh : arrays of int
        Network code and household code (>= 0) per row.
    hour_ms : array of int
        Hour bucket (epoch ms) per row.
    sp : SocialParams
        ``stay_gap_hours``, ``max_visit_hours``, ``max_long_visit_hours``.
    portable : array of bool, optional
        Per row: a device people carry (``HouseholdParams.carried_types``); without it no stay
        longer than ``max_visit_hours`` is a visit.

    Returns
    -------
    array of int
        Host household code per row, -1 where the row is no visit.

    Examples
    --------
    A guest (household 1) two evening hours inside the host's (0) day is a visit; the next
    holder of an address (2) is not visiting the earlier one (0) at the handover hour.

    >>> H = HOUR_MS
    >>> net = np.array([0] * 5 + [1, 1, 1])
    >>> hh = np.array([0, 0, 0, 1, 1, 0, 2, 2])
    >>> hour = np.array([10, 18, 23, 18, 19, 20, 20, 22]) * H
    >>> visit_hosts(net, hh, hour, SocialParams()).tolist()
    [-1, -1, -1, 0, 0, -1, -1, -1]

    A weekend at a friend's: household 1's phone on 0's address from Friday 18:00 to Sunday 20:00,
    0's TV there throughout. A visit for a phone; a TV that long is no guest.

    >>> tv = np.arange(0, 72, 3)
    >>> hour = np.r_[tv, np.arange(18, 68, 2)] * H
    >>> hh = np.r_[np.zeros(len(tv), int), np.ones(25, int)]
    >>> for phone in (True, False):
    ...     host = visit_hosts(np.zeros(len(hh), int), hh, hour, SocialParams(), hh == phone)
    ...     print(sorted(set(host[hh == 1].tolist())))
    [0]
    [-1]
    """
    n = len(net)
    out = np.full(n, -1, dtype=np.int64)
    if not n:
        return out
    gap = sp.stay_gap_hours
    st = household_stays(net, hh, hour_ms, gap)
    hr = np.asarray(hour_ms, dtype=np.int64) // HOUR_MS
    h0 = int(hr.min()) - gap - 1
    hspan = int(hr.max()) - h0 + gap + 2
    nh = int(hh.max()) + 1
    # (network, hour) -> households present
    nhh, _ = sorted_runs((net.astype(np.int64) * hspan + (hr - h0)) * nh + hh.astype(np.int64))
    nh_key, nh_hh = nhh // nh, nhh % nh
    # stays by (network, household, first hour); built in that order
    s_key = (st.net * nh + st.hh) * hspan + (st.first - h0)
    pres, _ = sorted_runs((net.astype(np.int64) * nh + hh.astype(np.int64)) * hspan + (hr - h0))

    limit = sp.max_visit_hours if portable is None else max(sp.max_visit_hours, sp.max_long_visit_hours)
    short = np.flatnonzero(st.last - st.first < limit)
    if not len(short):
        return out
    s_net, s_first, s_last = st.net[short], st.first[short] - h0, st.last[short] - h0
    # candidate hosts: households on the network around the stay
    a = np.searchsorted(nh_key, s_net * hspan + s_first - gap)
    b = np.searchsorted(nh_key, s_net * hspan + s_last + gap, side="right")
    cnt = b - a
    owner = np.repeat(np.arange(len(short)), cnt)
    pos = np.arange(len(owner)) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(a, cnt)
    host = nh_hh[pos]
    keep = host != st.hh[short][owner]
    cand, _ = sorted_runs(owner[keep] * nh + host[keep])
    c_stay, c_host = cand // nh, cand % nh
    f, last = s_first[c_stay], s_last[c_stay]
    # the host's stay that started last at or before the guest's first hour must outlast its last
    base = (s_net[c_stay] * nh + c_host) * hspan
    j = np.searchsorted(s_key, base + f, side="right") - 1
    jj = np.maximum(j, 0)
    hf, hl = st.first[jj] - h0, st.last[jj] - h0
    hosts = (j >= 0) & (st.net[jj] == s_net[c_stay]) & (st.hh[jj] == c_host)  # a stay of the host's
    ok = hosts & (hl >= last)
    # a one-hour stay at the edge of another's may be the hour an address changed hands
    ok &= (last > f) | ((hf < f) & (hl > last))
    # ... or the guest arrived while the host was there and stayed on after its last device went quiet
    ok |= hosts & (hf < f) & (f < hl)
    # ... or the host's devices were there both within a gap before and within a gap after
    before = np.searchsorted(pres, base + f - 1, side="right") - np.searchsorted(pres, base + f - gap)
    after = np.searchsorted(pres, base + last + gap, side="right") - np.searchsorted(pres, base + last + 1)
    inside = ok
    ok = inside | ((before > 0) & (after > 0))
    # a longer stay (a weekend at a friend's) of carried devices only held by one of the host's: the
    # host there when it began and still there near its end (a lease between two leases of an earlier
    # holder is bracketed by that holder's devices, never held: they are not there during it)
    held = hosts & (hf <= f) & (f < hl) & (hl >= last - gap)
    ok = np.where(last - f >= sp.max_visit_hours, held & carried(st, portable)[short[c_stay]], ok)
    # one host per stay: a household whose stay holds it first, then the one most present around it
    score = inside * (2 * gap + 1) + np.minimum(before + after, 2 * gap)
    c_stay, c_host, score = c_stay[ok], c_host[ok], score[ok]
    order = np.lexsort((c_host, -score, c_stay))
    first = np.r_[True, c_stay[order][1:] != c_stay[order][:-1]] if len(order) else order.astype(bool)
    stay_host = np.full(len(st.net), -1, dtype=np.int64)
    stay_host[short[c_stay[order][first]]] = c_host[order][first]
    return stay_host[st.of_row]


def resident_hosts(
    net: np.ndarray, hh: np.ndarray, window: np.ndarray, host: np.ndarray, min_windows: int
) -> np.ndarray:
    """``host`` where the host lives on the network: its own devices were there in at least
    ``min_windows`` windows (a day's lease is an evening and a night); elsewhere -1. A household
    seen on an address in one window only is a guest there itself (two guests of a party, a
    café's address read as a home), and hosts no one.

    Parameters
    ----------
    net, hh, window : arrays of int
        Network code, household code (>= 0) and day window per presence row.
    host : array of int
        Host household code per row (:func:`visit_hosts`), -1 where the row is no visit.
    min_windows : int

    Examples
    --------
    Household 0 was on network 0 in windows 1 and 2, household 1 in window 2 only; household 2
    stays inside both:

    >>> resident_hosts(np.array([0, 0, 0, 0, 0]), np.array([0, 0, 1, 2, 2]),
    ...                np.array([1, 2, 2, 2, 2]), np.array([-1, -1, -1, 0, 1]), 2).tolist()
    [-1, -1, -1, 0, -1]
    """
    out = np.asarray(host, dtype=np.int64).copy()
    if not len(out) or min_windows <= 1:
        return out
    window = np.asarray(window, dtype=np.int64)
    w0, ws = int(window.min()), int(window.max() - window.min()) + 1
    nh = int(max(hh.max(), out.max())) + 1
    nets = np.asarray(net, dtype=np.int64) * nh
    lived, _ = sorted_runs((nets + hh) * ws + (window - w0))
    keys, windows = sorted_runs(lived // ws)
    want = nets + np.maximum(out, 0)
    i = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    enough = (keys[i] == want) & (windows[i] >= min_windows)
    out[~enough] = -1
    return out
