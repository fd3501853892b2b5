"""Devices with short histories: a rarely used device joins the one household it was seen with.

The clustering needs two devices together on ``min_together`` windows, so a device seen on one
home window in the data (a laptop used once a week, a TV switched on once, a new phone) has no
edge and stays unassigned, however plain its home is. Such a device joins a household when

- every window in which it could have been at *any* home (home, CGNAT and unknown networks:
  ``live_windows``) is one of its home windows: it lives nowhere else in the data, so it is no
  visitor from a home behind a carrier, whose device sits on its carrier's address most days and
  is seen on a friend's home once;
- it was active on at most ``attach_max_window_ratio`` windows anywhere (mobile, offices...) per
  home window: a phone in use all week but at a home once sleeps where the data do not see it
  (a household that uses the app only away from home: variant ``away-only``);
- and it spent every home window with devices of one household, and of no other (two
  households there, e.g. a guest at a party, or the hour an address changed hands; or a window
  at a home of its own, seen alone: it stays unassigned);
- or, seen alone there, every one of its rows at a home is inside that household's stay on the
  address (:func:`lease_households`: the household's devices there before and after it, and
  living there, as :mod:`graph.leases` reads a visit): the address was that home's at the time,
  and no other household was there.

Its confidence is the calibrated score of one window together (``graph.households.evidence``).
"""

from __future__ import annotations

import numpy as np

from graph.households.cluster import ALONE_WITH_LITTLE_EVIDENCE, TOO_FEW_HOME_WINDOWS
from graph.households.copresence import CoPresence, row_windows
from graph.leases import resident_hosts, visit_hosts
from graph.networks import HOME, PresenceTable, in_sorted, sorted_runs
from graph.params import HouseholdParams, SocialParams

__all__ = [
    "active_windows",
    "attach_short_histories",
    "lease_hosts",
    "lease_households",
    "lives_only_at_home",
    "sole_partner_household",
]

#: unassigned reason codes a device can leave by joining (``too_few_home_windows``,
#: ``alone_with_little_evidence``; ``no_home_network`` devices have no partner to join)
ATTACHABLE = (TOO_FEW_HOME_WINDOWS, ALONE_WITH_LITTLE_EVIDENCE)


def lives_only_at_home(labels: np.ndarray, home_windows: np.ndarray, live_windows: np.ndarray) -> np.ndarray:
    """Devices that may join: unassigned for too little evidence, and with no window at a place a
    home could be (``live_windows``) beyond their home windows.

    >>> lives_only_at_home(np.array([-2, -2, -3, -1, 0]), np.array([1, 1, 3, 0, 5]),
    ...                    np.array([1, 9, 3, 0, 5])).tolist()
    [True, False, True, False, False]
    """
    return np.isin(labels, ATTACHABLE) & (home_windows > 0) & (live_windows <= home_windows)


def active_windows(t: PresenceTable, devices: np.ndarray, p: HouseholdParams) -> np.ndarray:
    """Distinct day windows per device code on any network, counted for ``devices`` (bool per
    code) only; 0 for the others.

    >>> t = PresenceTable.from_rows([{"device": "a", "network": n, "hour": h * 3_600_000}
    ...                              for n, h in (("home", 19), ("mobile", 20), ("mobile", 36))])
    >>> active_windows(t, np.array([True]), HouseholdParams()).tolist()   # night 0, day 1
    [2]
    """
    out = np.zeros(t.n_devices, dtype=np.int64)
    sel = devices[t.dev]
    if not sel.any():
        return out
    win, _ = row_windows(t.hour[sel], p)
    w0 = int(win.min())
    span = int(win.max()) - w0 + 1
    dw, _ = sorted_runs(t.dev[sel].astype(np.int64) * span + (win - w0))
    return np.bincount(dw // span, minlength=t.n_devices)


def sole_partner_household(
    a: np.ndarray,
    b: np.ndarray,
    pw_pair: np.ndarray,
    pw_window: np.ndarray,
    labels: np.ndarray,
    candidate: np.ndarray,
    home_windows: np.ndarray,
) -> np.ndarray:
    """Per device: the one household label among the assigned devices it shared windows with
    (pairs ``a, b``; their windows ``pw_pair, pw_window``), for ``candidate`` devices whose every
    home window was shared with it; -1 where there is none, more than one, or a home window it
    spent without them (its own home, seen once: a visitor).

    Device 0 was with devices 3 and 4 (both household 7) on its two windows; device 1 with 4 (7)
    and 5 (8); device 2 with 3 (7) on one of its two windows:

    >>> labels = np.array([-2, -2, -3, 7, 7, 8])
    >>> candidate = labels < 0
    >>> sole_partner_household(np.array([0, 0, 1, 1, 2]), np.array([3, 4, 4, 5, 3]),
    ...                        np.array([0, 1, 2, 3, 4]), np.array([10, 11, 10, 10, 10]),
    ...                        labels, candidate, np.array([2, 1, 2, 9, 9, 9])).tolist()
    [7, -1, -1, -1, -1, -1]
    """
    n = len(labels)
    out = np.full(n, -1, dtype=np.int64)
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    mine = np.flatnonzero((candidate[a] | candidate[b])[pw_pair])  # the few candidates' entries only
    pa, pb, win = a[pw_pair[mine]], b[pw_pair[mine]], np.asarray(pw_window, np.int64)[mine]
    dev, other, win = np.r_[pa, pb], np.r_[pb, pa], np.r_[win, win]
    keep = candidate[dev] & (labels[other] >= 0)
    if not keep.any():
        return out
    dev, hh, win = dev[keep], labels[other[keep]], win[keep]
    span = int(labels.max()) + 1
    pairs, _ = sorted_runs(dev * span + hh)  # distinct (device, household)
    d, h = pairs // span, pairs % span
    households = np.bincount(d, minlength=n)
    w0 = int(win.min())
    wspan = int(win.max()) - w0 + 1
    dw, _ = sorted_runs(dev * wspan + (win - w0))  # distinct (device, window) spent with them
    covered = np.bincount(dw // wspan, minlength=n)
    sole = (households[d] == 1) & (covered[d] == home_windows[d])
    out[d[sole]] = h[sole]
    return out


def lease_hosts(
    net: np.ndarray, hh: np.ndarray, hour: np.ndarray, win: np.ndarray, sp: SocialParams
) -> np.ndarray:
    """Per presence row (home networks): the household whose stay on the network holds it and who
    lives there (:func:`graph.leases.visit_hosts`, :func:`graph.leases.resident_hosts`), where no
    other household was on the network in the row's window (a party: whose guest is it?); -1
    otherwise. Rows of one network depend on that network's rows only.

    Household 0 on network 0 in the evenings of two days (windows 0 and 2); household 5 once at
    20 h, alone; household 6 at 20 h on the second evening, with household 7 there too:

    >>> H = 3_600_000
    >>> hour = np.array([17, 23, 41, 47, 20, 44, 44]) * H
    >>> lease_hosts(np.zeros(7, np.int64), np.array([0, 0, 0, 0, 5, 6, 7]), hour,
    ...             np.array([0, 0, 2, 2, 0, 2, 2]), SocialParams()).tolist()
    [-1, -1, -1, -1, 0, -1, -1]
    """
    if not len(net):
        return np.zeros(0, dtype=np.int64)
    host = visit_hosts(net, hh, hour, sp)
    host = resident_hosts(net, hh, win, host, sp.min_host_windows)
    w0, span, nh = int(win.min()), int(win.max() - win.min()) + 1, int(hh.max()) + 1
    nw = net.astype(np.int64) * span + (win - w0)
    present = sorted_runs(nw * nh + hh)[0]
    others = np.searchsorted(present, (nw + 1) * nh) - np.searchsorted(present, nw * nh) - 1
    others -= (host >= 0) & in_sorted(present, nw * nh + np.maximum(host, 0))
    return np.where(others > 0, -1, host)


def lease_households(
    t: PresenceTable,
    net_class: np.ndarray,
    labels: np.ndarray,
    candidate: np.ndarray,
    p: HouseholdParams,
    sp: SocialParams | None = None,
) -> np.ndarray:
    """Per device: for ``candidate`` devices whose every row on a residence network has one and
    the same :func:`lease_hosts` household (each candidate a household of its own, coded
    ``k + device``), that household's label; -1 for the others. ``sp``: the stays' geometry
    (default: social links').

    Household 0's TV is on address n from 17 to 23 h on two evenings; the laptop (device 1) is
    there alone at 20 h on the first:

    >>> rows = [{"device": "a-tv", "network": "n", "hour": (24 * d + h) * 3_600_000}
    ...         for d in (0, 1) for h in (17, 23)]
    >>> rows += [{"device": "b-lap", "network": "n", "hour": 20 * 3_600_000}]
    >>> t = PresenceTable.from_rows(rows)
    >>> lease_households(t, np.array([HOME]), np.array([0, -2]), np.array([False, True]),
    ...                  HouseholdParams()).tolist()
    [-1, 0]
    """
    out = np.full(len(labels), -1, dtype=np.int64)
    if not candidate.any():
        return out
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    cls = net_class[t.net]
    rows = (cls == HOME) & ((labels[t.dev] >= 0) | candidate[t.dev])
    theirs = np.zeros(t.n_networks, dtype=bool)  # hosts depend on their network's rows only
    theirs[t.net[rows & candidate[t.dev]]] = True
    rows &= theirs[t.net]
    dev, hour = t.dev[rows].astype(np.int64), t.hour[rows]
    hh = np.where(labels[dev] >= 0, labels[dev], k + dev)
    host = lease_hosts(t.net[rows].astype(np.int64), hh, hour, row_windows(hour, p)[0], sp or SocialParams())
    residence = np.isin(cls, p.residence_codes) & candidate[t.dev]
    lived = np.bincount(t.dev[residence], minlength=len(labels))
    mine = candidate[dev]
    d, h = dev[mine], host[mine]
    hosted = np.bincount(d, weights=h >= 0, minlength=len(labels))
    big = np.iinfo(np.int64).max
    lo, hi = np.full(len(labels), big), np.full(len(labels), -1)
    np.minimum.at(lo, d, np.where(h >= 0, h, big))
    np.maximum.at(hi, d, h)
    ok = candidate & (lived > 0) & (hosted == lived) & (lo == hi)
    out[ok] = lo[ok]
    return out


def attach_short_histories(
    t: PresenceTable,
    cp: CoPresence,
    labels: np.ndarray,
    p: HouseholdParams,
    net_class: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, alone)``: each short-history device that lives only at one household's home
    joined to it (:func:`lives_only_at_home`, :func:`active_windows`, then
    :func:`sole_partner_household`, or :func:`lease_households` on the networks of class
    ``net_class``); ``alone``:
    per device, whether it joined without a window together. ``p.attach_short_histories`` off:
    the labels unchanged.

    >>> t = PresenceTable.from_rows([{"device": d, "network": "n", "hour": 19 * 3_600_000} for d in "abc"])
    >>> z = np.zeros(1)
    >>> cp = CoPresence(np.zeros(0, bool), np.array([9, 9, 1]), np.zeros(3, np.int64),
    ...                 np.array([0, 1]), np.array([2, 2]), np.array([1, 1]), z, z, z,
    ...                 np.array([0, 1]), np.array([4, 4]), live_windows=np.array([9, 9, 1]))
    >>> labels, alone = attach_short_histories(t, cp, np.array([0, 0, -2]), HouseholdParams(),
    ...                                        np.array([HOME]))
    >>> labels.tolist(), alone.tolist()
    ([0, 0, 0], [False, False, False])
    """
    alone = np.zeros(len(labels), dtype=bool)
    if not p.attach_short_histories:
        return labels, alone
    candidate = lives_only_at_home(labels, cp.home_windows, cp.live_windows)
    candidate &= active_windows(t, candidate, p) <= p.attach_max_window_ratio * cp.home_windows
    sole = sole_partner_household(cp.a, cp.b, cp.pw_pair, cp.pw_window, labels, candidate, cp.home_windows)
    if p.attach_in_lease:
        lease = lease_households(t, net_class, labels, candidate & (sole < 0), p)
        alone = lease >= 0
        sole = np.where(alone, lease, sole)
    out = labels.copy()
    join = sole >= 0
    out[join] = sole[join]
    return out, alone
