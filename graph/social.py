"""Social links between households: a member of A seen visiting B's home on separate occasions.

A visit is a short stay of household A's devices on a *home* network inside a stay of
household B there (:mod:`graph.leases`: an address belongs to a home only during its lease).
So an address that was A's and was later reassigned to B, or came back to A, never makes a
link (B's devices are not there before, during and after A's), and offices, cafés, mobile
and CGNAT addresses never do (they are not home networks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from graph.carrier_links import carrier_link_pairs
from graph.clock import localized
from graph.households.cgnat import address_days
from graph.households.copresence import row_windows
from graph.households.core import as_table
from graph.households.shared_keys import evidence_table
from graph.leases import resident_hosts, visit_hosts
from graph.networks import CGNAT, HOME, PresenceTable, sorted_runs
from graph.params import HOUR_MS, NETWORK_CLASSES, HouseholdParams, SocialParams

__all__ = ["social_links"]


def _net_codes(t: PresenceTable, net_class: Any, hp: HouseholdParams) -> np.ndarray:
    if net_class is None:  # as the household run reads them: without keys that are many devices
        return evidence_table(t, hp)[1]
    if isinstance(net_class, Mapping):

        def code(v: Any) -> int:
            name = v[0] if isinstance(v, tuple) else v
            return NETWORK_CLASSES.index(name)

        return np.array([code(net_class.get(k, "unknown")) for k in t.network_keys], dtype=np.int8)
    return np.asarray(net_class)


def social_links(
    presence: PresenceTable | Iterable[Mapping[str, Any]],
    assignment: Mapping[str, str],
    params: SocialParams | None = None,
    household_params: HouseholdParams | None = None,
    *,
    net_class: Any = None,
) -> list[dict[str, Any]]:
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
    ...         + rows("tvB", "tv", "netB", range(7), at=18) + rows("tvB", "tv", "netB", range(7), at=22)
    ...         + rows("phA", "phone", "netB", [3, 4]))
    >>> links = social_links(data, {"tvA": "A", "phA": "A", "tvB": "B"})
    >>> [(x["household_a"], x["household_b"], x["visits"]) for x in links]
    [('A', 'B', 2)]
    """
    sp = params or SocialParams()
    t = as_table(presence)
    hp = localized(household_params or HouseholdParams(), t)  # as the household run read it
    cls = _net_codes(t, net_class, hp)
    hids = sorted(set(assignment.values()))
    hcode = {h: i for i, h in enumerate(hids)}
    dev_hh = np.array([hcode.get(assignment.get(k), -1) for k in t.device_keys], dtype=np.int64)
    rows = (cls[t.net] == HOME) & (dev_hh[t.dev] >= 0)
    dev, net, hour = t.dev[rows].astype(np.int64), t.net[rows].astype(np.int64), t.hour[rows]
    if not len(dev):
        return []
    win = row_windows(hour, hp)[0]
    hh = dev_hh[dev]
    nd = t.n_devices
    w0, wspan = int(win.min()), int(win.max() - win.min()) + 1

    # tenure: distinct windows of each device on each network, and its home windows overall
    ndw, _ = sorted_runs((net * nd + dev) * wspan + (win - w0))
    nd_key, tenure = sorted_runs(ndw // wspan)
    # windows behind CGNAT count too: a visitor whose own home is behind CGNAT still lives somewhere
    cgr = (cls[t.net] == CGNAT) & (dev_hh[t.dev] >= 0)
    cwin = np.clip(row_windows(t.hour[cgr], hp)[0] - w0, 0, wspan - 1) if cgr.any() else np.zeros(0, np.int64)
    dwin, _ = sorted_runs(np.r_[dev * wspan + (win - w0), t.dev[cgr].astype(np.int64) * wspan + cwin])
    home_windows = np.bincount(dwin // wspan, minlength=nd)

    # host: the household whose stay on the address brackets the device's short stay there, and
    # who lives there (seen on it in min_host_windows windows)
    portable = np.isin(t.device_type[dev], hp.carried_codes)  # who may stay a weekend
    row_host = resident_hosts(net, hh, win, visit_hosts(net, hh, hour, sp, portable), sp.min_host_windows)
    row_ten = tenure[np.searchsorted(nd_key, net * nd + dev)]
    visit = (row_host >= 0) & (row_ten <= sp.max_visit_share * np.maximum(home_windows[dev], 1))

    links: dict[tuple[int, int], dict[str, Any]] = {}
    cgv = _cgnat_visits(t, cls, dev_hh, sp, hp)
    seen = [(hh[visit], row_host[visit], dev[visit], win[visit], net[visit], hour[visit], False)]
    seen.append(cgv[:6] + (True,))
    for va, vb, vd, vw, vn, vh, cg in seen:
        for a, b, d, w, n, h in zip(
            va.tolist(), vb.tolist(), vd.tolist(), vw.tolist(), vn.tolist(), vh.tolist()
        ):
            _add_visit(links, hids, a, b, d, w, n, h, cg)
    # links seen only behind carriers: (lo, hi) codes, the order of ``links`` (codes rank the ids)
    friends = carrier_link_pairs(cgv[0], cgv[1], cgv[3] // 2, cgv[4], cgv[6], len(hids), sp)
    out = []
    for (lo, hi), x in links.items():
        visits = len(x["windows"] | x["cg_windows"])
        if visits < sp.min_visits or (len(x["windows"]) < sp.min_home_visits and (lo, hi) not in friends):
            continue
        out.append(
            {
                "household_a": hids[lo],
                "household_b": hids[hi],
                "weight": float(visits),
                "visits": visits,
                "first_seen": int(x["first"]),
                "last_seen": int(x["last"]),
                "evidence": {
                    "visits_a_to_b": len(x["dir"][0]),
                    "visits_b_to_a": len(x["dir"][1]),
                    "nights": len(x["nights"]),
                    "cgnat_visits": len(x["cg_windows"] - x["windows"]),
                    "visiting_devices": sorted(str(t.device_keys[d]) for d in x["devices"]),
                    "networks": len(x["networks"]),
                    "device_hours": len(x["hours"]),
                },
            }
        )
    out.sort(key=lambda r: (r["household_a"], r["household_b"]))
    return out


def _add_visit(
    links: dict, hids: list[str], a: int, b: int, d: int, w: int, n: int, h: int, cg: bool
) -> None:
    """Record that a device ``d`` of household ``a`` visited ``b`` (or maybe ``b``, if ``cg``)."""
    lo, hi = (a, b) if hids[a] < hids[b] else (b, a)
    x = links.get((lo, hi))
    if x is None:
        x = links[(lo, hi)] = {
            "windows": set(),
            "cg_windows": set(),
            "dir": ({}, {}),
            "devices": set(),
            "networks": set(),
            "nights": set(),
            "hours": set(),
            "first": h,
            "last": h,
        }
    if cg:
        x["cg_windows"].add(w // 2)
    else:
        x["windows"].add(w // 2)  # one occasion per date: an afternoon running into the evening is one visit
        x["dir"][0 if a == lo else 1][w // 2] = True
        if w & 1:
            x["nights"].add(w // 2)
        x["devices"].add(d)
        x["networks"].add(n)
        x["hours"].add((d, h))
        x["first"], x["last"] = min(x["first"], h), max(x["last"], h)


def _cgnat_visits(
    t: PresenceTable, cls: np.ndarray, dev_hh: np.ndarray, sp: SocialParams, hp: HouseholdParams
) -> tuple[np.ndarray, ...]:
    """(visitor household, candidate host, device, window, network, hour, households living behind
    CGNAT addresses that address day) of visits behind CGNAT.

    A device lives behind CGNAT when it is seen there more than on home networks; on an
    address day its household lives on the address each such device uses most (a home on IPv6
    has a shared IPv4 side too, DS-Lite: its IPv4-only devices live there, and its dual-stack
    devices, on CGNAT addresses most days, show it in the hours they are on the home's /64 too,
    or by using it on ``SocialParams.dual_stack_home_days`` address days). Any other member
    row on a CGNAT address is a visit to one of the households living on that address and
    seen in that block, if there are few enough of them, unless the device was seen on a
    home network in the same hour (it is at home, reaching a service over IPv4).
    """
    empty = tuple(np.zeros(0, np.int64) for _ in range(7))
    on = dev_hh[t.dev] >= 0
    cg = (cls[t.net] == CGNAT) & on
    if not cg.any():
        return empty
    nh = int(dev_hh.max()) + 1
    hrow = (cls[t.net] == HOME) & on
    behind = np.bincount(t.dev[cg], minlength=t.n_devices) > np.bincount(t.dev[hrow], minlength=t.n_devices)
    dev, net, hour = t.dev[cg].astype(np.int64), t.net[cg].astype(np.int64), t.hour[cg]
    hh = dev_hh[dev]
    day = address_days(hour, hp)
    day -= int(day.min())
    win, blk = row_windows(hour, hp)
    nn, ns = t.n_networks, int(day.max()) + 1
    # a device on CGNAT addresses most days lives there too, even if mostly seen elsewhere: in
    # a DS-Lite home a dual-stack device reaches some services over the shared IPv4 daily
    all_days = address_days(t.hour, hp)
    active = np.bincount(
        np.unique(t.dev.astype(np.int64) * (1 << 20) + all_days - int(all_days.min())) >> 20,
        minlength=t.n_devices,
    )
    cg_days = np.bincount(np.unique(dev * (1 << 20) + day) >> 20, minlength=t.n_devices)
    dual = ~behind & (cg_days >= sp.cgnat_resident_day_share * np.maximum(active, 1))
    at_home = np.unique(t.dev[hrow].astype(np.int64) * (1 << 32) + t.hour[hrow] // HOUR_MS)
    home_hour = np.isin(dev * (1 << 32) + hour // HOUR_MS, at_home)
    # each resident device's address of the day (its most used); its household lives there. A
    # dual-stack device tells where its home's IPv4 side is in the hours it is at home (on its IPv6
    # /64 too) and on an address it used on several days: on the evening it visits a friend behind
    # a carrier, the friend's address can be its most used of the day, and is no home of its
    dn, dn_days = sorted_runs(np.unique((dev * nn + net) * ns + day) // ns)
    again = dn_days[np.searchsorted(dn, dev * nn + net)] >= sp.dual_stack_home_days
    sel = behind[dev] | (dual[dev] & (home_hour | again))
    u, cnt = sorted_runs((dev[sel] * ns + day[sel]) * nn + net[sel])
    grp = u // nn
    best = np.lexsort((u % nn, -cnt, grp))
    first = np.r_[True, grp[best][1:] != grp[best][:-1]]
    top_dev, top_day, top_net = grp[best][first] // ns, grp[best][first] % ns, u[best][first] % nn
    lives_key = np.unique((dev_hh[top_dev] * ns + top_day) * nn + top_net)  # (household, day, address)
    n_day = np.bincount(np.unique(lives_key // nn) % ns, minlength=ns)  # households living behind CGNAT
    resident = np.isin((hh * ns + day) * nn + net, lives_key)
    resident |= home_hour
    b0 = int(blk.min())
    nb = int(blk.max()) - b0 + 1
    nbk = net * nb + (blk - b0)
    res, _ = sorted_runs(nbk[resident] * nh + hh[resident])  # (network block, resident household)
    res_nb, res_hh = res // nh, res % nh
    lo, hi = np.searchsorted(res_nb, nbk), np.searchsorted(res_nb, nbk, side="right")
    visit = ~resident & (hi > lo) & (hi - lo <= sp.max_cgnat_hosts)
    idx = np.flatnonzero(visit)
    n_hosts = (hi - lo)[idx]
    owner = np.repeat(idx, n_hosts)
    host = res_hh[
        np.arange(len(owner)) - np.repeat(np.cumsum(n_hosts) - n_hosts, n_hosts) + np.repeat(lo[idx], n_hosts)
    ]
    keep = host != hh[owner]
    owner, host = owner[keep], host[keep]
    return hh[owner], host, dev[owner], win[owner], net[owner], hour[owner], n_day[day[owner]]
