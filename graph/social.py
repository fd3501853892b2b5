"""Social links between households: a member of A seen visiting B's home on separate occasions.

A visit is a device of household A on a *home* network in a window whose host is B (the
household whose devices there have stayed longest on that network), in a block in which
a device of B was present too. So an address that was A's and was later reassigned to B
never makes a link (A's devices are not there with B's), and offices, cafés, mobile and
CGNAT addresses never do (they are not home networks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from graph.households.copresence import row_windows
from graph.households.core import as_table
from graph.networks import HOME, PresenceTable, classify_table, sorted_runs
from graph.params import NETWORK_CLASSES, HouseholdParams, SocialParams

__all__ = ["social_links"]


def _net_codes(t: PresenceTable, net_class: Any, hp: HouseholdParams) -> np.ndarray:
    if net_class is None:
        return classify_table(t, hp.network)[0]
    if isinstance(net_class, Mapping):
        def code(v: Any) -> int:
            name = v[0] if isinstance(v, tuple) else v
            return NETWORK_CLASSES.index(name)
        return np.array([code(net_class.get(k, "unknown")) for k in t.network_keys], dtype=np.int8)
    return np.asarray(net_class)


def social_links(presence: PresenceTable | Iterable[Mapping[str, Any]], assignment: Mapping[str, str],
                 params: SocialParams | None = None, household_params: HouseholdParams | None = None,
                 *, net_class: Any = None) -> list[dict[str, Any]]:
    """Links between households from visits to each other's home networks.

    Parameters
    ----------
    presence : iterable of dict or PresenceTable
        Presence rows, as for :func:`graph.households.assign_households`.
    assignment : dict
        ``device_key -> household_id``.
    params, household_params : SocialParams, HouseholdParams, optional
    net_class : dict or array, optional
        Network classes (``classify_networks`` output or class names by key); computed if absent.

    Returns
    -------
    list of dict
        ``{household_a, household_b, weight, visits, first_seen, last_seen, evidence}`` with
        ``household_a < household_b``, sorted; ``visits`` counts distinct local dates (a night
        belongs to the date it starts on) with a visit either way, ``first_seen``/``last_seen`` are epoch ms.

    Examples
    --------
    >>> H = 3_600_000
    >>> def rows(dev, typ, net, days, at=19):
    ...     return [{"device": dev, "device_type": typ, "network": net, "family": 4,
    ...              "hour": (at + 24 * d) * H, "events": 1} for d in days]
    >>> data = (rows("tvA", "tv", "netA", range(7)) + rows("phA", "phone", "netA", [0, 1, 2, 5, 6])
    ...         + rows("tvB", "tv", "netB", range(7)) + rows("phA", "phone", "netB", [3, 4]))
    >>> links = social_links(data, {"tvA": "A", "phA": "A", "tvB": "B"})
    >>> [(x["household_a"], x["household_b"], x["visits"]) for x in links]
    [('A', 'B', 2)]
    """
    sp = params or SocialParams()
    hp = household_params or HouseholdParams()
    t = as_table(presence)
    cls = _net_codes(t, net_class, hp)
    hids = sorted(set(assignment.values()))
    hcode = {h: i for i, h in enumerate(hids)}
    dev_hh = np.array([hcode.get(assignment.get(k), -1) for k in t.device_keys], dtype=np.int64)
    rows = (cls[t.net] == HOME) & (dev_hh[t.dev] >= 0)
    dev, net, hour = t.dev[rows].astype(np.int64), t.net[rows].astype(np.int64), t.hour[rows]
    if not len(dev):
        return []
    win, blk = row_windows(hour, hp)
    hh = dev_hh[dev]
    nd, nh = t.n_devices, len(hids)
    w0, wspan = int(win.min()), int(win.max() - win.min()) + 1

    # tenure: distinct windows of each device on each network, and its home windows overall
    ndw, _ = sorted_runs((net * nd + dev) * wspan + (win - w0))
    nd_key, tenure = sorted_runs(ndw // wspan)
    dwin, _ = sorted_runs(dev * wspan + (win - w0))
    home_windows = np.bincount(dwin // wspan, minlength=nd)

    # host of each (network, window): the household whose present devices stayed longest there
    e_net, e_dev, e_win = ndw // wspan // nd, ndw // wspan % nd, ndw % wspan
    e_ten = tenure[np.searchsorted(nd_key, e_net * nd + e_dev)]
    nw = e_net * wspan + e_win
    key = nw * nh + dev_hh[e_dev]
    order = np.argsort(key, kind="stable")
    key, e_ten = key[order], e_ten[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    g_key, g_score = key[starts], np.add.reduceat(e_ten, starts)
    g_nw, g_hh = g_key // nh, g_key % nh
    best = np.lexsort((g_hh, -g_score, g_nw))
    first = np.r_[True, g_nw[best][1:] != g_nw[best][:-1]]
    host_nw, host_hh = g_nw[best][first], g_hh[best][first]

    row_nw = net * wspan + (win - w0)
    row_host = host_hh[np.searchsorted(host_nw, row_nw)]
    b0 = int(blk.min())
    row_nb = net * (int(blk.max()) - b0 + 1) + (blk - b0)
    host_blocks = np.unique(row_nb[hh == row_host])
    row_ten = tenure[np.searchsorted(nd_key, net * nd + dev)]
    visit = ((hh != row_host) & np.isin(row_nb, host_blocks)
             & (row_ten <= sp.max_visit_share * np.maximum(home_windows[dev], 1)))

    links: dict[tuple[int, int], dict[str, Any]] = {}
    for a, b, d, w, n, h in zip(hh[visit].tolist(), row_host[visit].tolist(), dev[visit].tolist(),
                                win[visit].tolist(), net[visit].tolist(), hour[visit].tolist()):
        lo, hi = (a, b) if hids[a] < hids[b] else (b, a)
        x = links.setdefault((lo, hi), {"windows": set(), "dir": ({}, {}), "devices": set(), "networks": set(),
                                        "nights": set(), "hours": set(), "first": h, "last": h})
        x["windows"].add(w // 2)  # one occasion per date: an afternoon running into the evening is one visit
        x["dir"][0 if a == lo else 1][w // 2] = True
        if w & 1:
            x["nights"].add(w // 2)
        x["devices"].add(d)
        x["networks"].add(n)
        x["hours"].add((d, h))
        x["first"], x["last"] = min(x["first"], h), max(x["last"], h)
    out = []
    for (lo, hi), x in links.items():
        visits = len(x["windows"])
        if visits < sp.min_visits:
            continue
        out.append({
            "household_a": hids[lo], "household_b": hids[hi], "weight": float(visits),
            "visits": visits, "first_seen": int(x["first"]), "last_seen": int(x["last"]),
            "evidence": {"visits_a_to_b": len(x["dir"][0]), "visits_b_to_a": len(x["dir"][1]),
                         "nights": len(x["nights"]),
                         "visiting_devices": sorted(str(t.device_keys[d]) for d in x["devices"]),
                         "networks": len(x["networks"]), "device_hours": len(x["hours"])},
        })
    out.sort(key=lambda r: (r["household_a"], r["household_b"]))
    return out
