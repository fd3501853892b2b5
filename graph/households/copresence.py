"""Device-device co-presence on home-like networks, counted per time window.

An address is evidence only inside its time window (ISPs hand a home's address to
another home later), so two devices are together when they share a network within one
local ``block_hours`` block; blocks are then counted as distinct day windows: a night
``[night_start, night_end)`` local, or a day. Each window is discounted by how many
devices crowd the network in that block. Pure numpy: no graph is built here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.households.cgnat import cgnat_pairs
from graph.networks import CGNAT, HOME, UNKNOWN, PresenceTable, _fits, sorted_runs
from graph.params import DAY_MS, HOUR_MS, HouseholdParams

__all__ = ["CoPresence", "copresence", "network_weights", "row_windows"]


@dataclass(frozen=True)
class CoPresence:
    """Pair statistics; pairs are ``a < b`` device codes, sorted by (a, b)."""

    rows: np.ndarray  # bool per table row: on a network that counts as household evidence
    home_windows: np.ndarray  # per device: distinct home windows
    home_nights: np.ndarray  # per device: distinct home nights
    a: np.ndarray
    b: np.ndarray
    together: np.ndarray  # distinct windows shared
    nights: np.ndarray  # ... of which nights
    weight: np.ndarray  # discounted, night/day weighted sum over shared windows
    fraction: np.ndarray  # together / min(windows of a, of b on any network it could live behind)
    pw_pair: np.ndarray  # per (pair, window) entry: index into the pair arrays
    pw_window: np.ndarray  # ... and the window
    # per device: distinct windows on any network a home could be behind (``residence_classes``)
    live_windows: np.ndarray


def network_weights(net_class: np.ndarray, p: HouseholdParams) -> np.ndarray:
    """Evidence weight per network: homes count, unknown a little, shared networks not at all.

    >>> network_weights(np.array([0, 1, 5]), HouseholdParams(unknown_weight=0.25)).tolist()
    [1.0, 0.0, 0.25]
    """
    return np.where(
        net_class == HOME, p.home_weight, np.where(net_class == UNKNOWN, p.unknown_weight, 0.0)
    ).astype(np.float64)


def row_windows(hour_ms: np.ndarray, p: HouseholdParams) -> tuple[np.ndarray, np.ndarray]:
    """(day window, local block) of UTC hour buckets; nights belong to the date they start on.

    >>> w, b = row_windows(np.array([12, 19, 23 + 24]) * HOUR_MS, HouseholdParams())
    >>> w.tolist(), b.tolist()   # 13:00 day 0, 20:00 night 0, 00:00 (day 2) still night 1
    ([0, 1, 3], [4, 6, 16])
    """
    local = np.asarray(hour_ms, dtype=np.int64) + p.network.local_offset_hours * HOUR_MS
    return _local_window(local, p), local // (p.block_hours * HOUR_MS)


def _local_window(local: np.ndarray, p: HouseholdParams) -> np.ndarray:
    lh = (local // HOUR_MS) % 24
    early = lh < p.night_end
    return 2 * (local // DAY_MS - early) + (early | (lh >= p.night_start))


def _hour_tables(hour: np.ndarray, p: HouseholdParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Per row an int32 hour index, and per hour index its window and block (as offsets from
    ``w0`` / ``b0``): calendar arithmetic once per distinct hour, not once per row."""
    if not len(hour):
        z = np.zeros(0, dtype=np.int32)
        return z, np.zeros(1, np.int64), np.zeros(1, np.int64), 0, 0
    h0 = int(hour.min())
    hidx = ((hour - h0) // HOUR_MS).astype(np.int32)
    local = (
        h0 + np.arange(int(hidx.max()) + 1, dtype=np.int64) * HOUR_MS + p.network.local_offset_hours * HOUR_MS
    )
    win, blk = _local_window(local, p), local // (p.block_hours * HOUR_MS)
    w0, b0 = int(win.min()), int(blk.min())
    return hidx, win - w0, blk - b0, w0, b0


def _live_windows(
    t: PresenceTable, hidx: np.ndarray, win_h: np.ndarray, net_class: np.ndarray, p: HouseholdParams
) -> np.ndarray:
    """Distinct windows per device on any network a home could be behind (``residence_classes``)."""
    codes = p.residence_codes
    rows = np.isin(net_class, codes)[t.net]
    wspan = int(win_h.max()) + 1
    key = t.dev[rows].astype(np.int64)
    key *= wspan
    key += win_h[hidx[rows]]
    dw, _ = sorted_runs(key)
    del key
    return np.bincount(dw // wspan, minlength=t.n_devices)


def copresence(t: PresenceTable, net_class: np.ndarray, p: HouseholdParams) -> CoPresence:
    """Co-presence statistics of every device pair that shared a home-like network block."""
    nd = max(t.n_devices, 1)
    cw = network_weights(net_class, p)
    hidx, win_h, blk_h, w0, b0 = _hour_tables(t.hour, p)
    live = _live_windows(t, hidx, win_h, net_class, p)
    cg = cgnat_pairs(t, net_class, win_h, hidx, w0, p)
    rows = (cw > 0)[t.net]
    # a device that moves with its home between CGNAT addresses lives behind them: its windows
    # there count as home windows (its pairs come from ``cg``, not from crowded address blocks)
    if len(cg.a):
        cg_rows = (net_class == CGNAT)[t.net]
        cg_rows &= cg.devices[t.dev]
        cg_rows |= rows
    else:
        cg_rows = rows
    wspan = int(win_h.max()) + 1
    key = t.dev[cg_rows].astype(np.int64) * wspan
    key += win_h[hidx[cg_rows]]
    dw, _ = sorted_runs(key)
    del key
    hsel = hidx[rows]
    del hidx
    dev = t.dev[rows].astype(np.int64)
    home_windows = np.bincount(dw // wspan, minlength=t.n_devices)
    home_nights = np.bincount(dw // wspan, weights=(dw % wspan + w0) & 1, minlength=t.n_devices)
    del dw
    net = t.net[rows].astype(np.int64)
    blk = blk_h[hsel]
    del hsel

    # one entry per (network, block, device), sorted so that a group's devices are adjacent
    bspan = int(blk_h.max()) + 1
    if _fits(t.n_networks + 1, bspan, nd):
        gk = net * bspan
        gk += blk
        gk *= nd
        gk += dev
        del net, blk, dev
        gk, _ = sorted_runs(gk)
        dev, net, blk = gk % nd, gk // (bspan * nd), (gk // nd) % bspan
        del gk
    else:
        order = np.lexsort((dev, blk, net))
        dev, net, blk = dev[order], net[order], blk[order]
        if len(dev):
            keep = np.r_[True, (dev[1:] != dev[:-1]) | (blk[1:] != blk[:-1]) | (net[1:] != net[:-1])]
            dev, net, blk = dev[keep], net[keep], blk[keep]
    win = _local_window((blk + b0) * (p.block_hours * HOUR_MS), p)
    grp_new = np.r_[True, (blk[1:] != blk[:-1]) | (net[1:] != net[:-1])] if len(dev) else np.zeros(0, bool)
    gid = np.cumsum(grp_new) - 1
    gsize = np.bincount(gid)
    k = gsize[gid] if len(gid) else gid
    contrib = cw[net] * np.minimum(1.0, p.full_weight_devices / np.maximum(k, 1))
    ok = k <= p.max_group_devices
    pa, pb, pwin, pc = [], [], [], []
    maxk = int(k[ok].max()) if ok.any() else 0
    for d in range(1, maxk):
        same = (gid[:-d] == gid[d:]) & ok[:-d]
        if not same.any():
            break
        idx = np.flatnonzero(same)
        pa.append(dev[idx])
        pb.append(dev[idx + d])  # within a group devices ascend, so a < b
        pwin.append(win[idx])
        pc.append(contrib[idx])
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)
    pa.append(cg.pw_a)
    pb.append(cg.pw_b)
    pwin.append(cg.pw_window)
    pc.append(np.full(len(cg.pw_a), p.cgnat_weight))
    pa, pb, pwin, pc = cat(pa, np.int64), cat(pb, np.int64), cat(pwin, np.int64), cat(pc, np.float64)

    # a pair counts a window once, at its best (least crowded) network block
    cmax = float(pc.max()) if len(pc) else 1.0
    if _fits(nd, nd, wspan, 64):
        # the contribution, quantised to 6 bits of "badness", rides in the key: one plain sort
        bad = np.rint((1.0 - pc / cmax) * 63).astype(np.int64)
        key, _ = sorted_runs((((pa * nd + pb) * wspan + (pwin - w0)) << 6) | bad)
        first = np.r_[True, (key[1:] >> 6) != (key[:-1] >> 6)] if len(key) else np.zeros(0, bool)
        key = key[first]
        cbest = (63 - (key & 63)) / 63.0 * cmax
        key >>= 6
    else:
        key = (pa * nd + pb) * wspan + (pwin - w0)
        order = np.argsort(key, kind="stable")
        key, pc = key[order], pc[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        cbest = np.maximum.reduceat(pc, starts) if len(key) else pc
        key = key[starts]
    pair = key // wspan
    pw_window = key % wspan + w0
    night = (pw_window & 1).astype(bool)
    wgt = cbest * np.where(night, p.night_weight, p.day_weight)
    pnew = np.r_[True, pair[1:] != pair[:-1]] if len(pair) else np.zeros(0, bool)
    pstarts = np.flatnonzero(pnew)
    pw_pair = np.cumsum(pnew) - 1
    a = pair[pstarts] // nd
    b = pair[pstarts] % nd
    together = np.diff(np.r_[pstarts, len(pair)])
    nights = np.add.reduceat(night.astype(np.int64), pstarts) if len(pstarts) else together
    weight = np.add.reduceat(wgt, pstarts) if len(pstarts) else wgt
    # relative to where each device *lives*: a phone whose own home is behind CGNAT and that
    # visits a friend's home three evenings must not look like a member of the friend's home
    fraction = together / np.maximum(
        np.minimum(np.maximum(home_windows, live)[a], np.maximum(home_windows, live)[b]), 1
    )
    return CoPresence(
        cg_rows,
        home_windows,
        home_nights.astype(np.int64),
        a.astype(np.int32),
        b.astype(np.int32),
        together.astype(np.int32),
        nights.astype(np.int32),
        weight,
        fraction,
        pw_pair.astype(np.int64),
        pw_window,
        live,
    )
