"""Confidence and evidence of each household membership, as numpy arrays per device."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.households.copresence import CoPresence
from graph.networks import PresenceTable, sorted_runs
from graph.params import DEVICE_TYPES, HOUR_MS, HouseholdParams

__all__ = ["MembershipEvidence", "calibrate", "membership_evidence"]


@dataclass(frozen=True)
class MembershipEvidence:
    """Per device code (meaningful where the label is >= 0) and per household label."""

    confidence: np.ndarray  # float per device
    windows_together: np.ndarray  # distinct windows shared with another member
    nights_together: np.ndarray
    copresent_hours: np.ndarray  # hours on a home network with another member in the same hour
    device_networks: list[list[int]]  # per device: network codes, most co-present hours first
    household_networks: list[list[int]]  # per label
    anchor: np.ndarray  # per label: device code (a TV if any, else the most present device)


def _top_per_group(group: np.ndarray, item: np.ndarray, n_groups: int, top: int) -> list[list[int]]:
    """Most frequent ``item`` values per group, ties by smaller item."""
    out: list[list[int]] = [[] for _ in range(n_groups)]
    if not len(group):
        return out
    span = int(item.max()) + 1
    u, cnt = sorted_runs(group.astype(np.int64) * span + item)
    g, it = u // span, u % span
    order = np.lexsort((it, -cnt, g))
    for gi, ii in zip(g[order].tolist(), it[order].tolist()):
        lst = out[gi]
        if len(lst) < top:
            lst.append(ii)
    return out


def calibrate(raw: np.ndarray, curve: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Map raw scores through a monotone curve of ``(raw, observed precision)`` points (linear
    between them, flat beyond); an empty curve leaves them as they are.

    >>> calibrate(np.array([0.0, 0.5, 0.95, 1.0]), ((0.2, 0.6), (0.9, 0.98), (1.0, 0.99))).round(3).tolist()
    [0.6, 0.763, 0.985, 0.99]
    """
    if not curve:
        return raw
    xs, ys = zip(*curve)
    return np.interp(raw, xs, ys)


def membership_evidence(
    t: PresenceTable,
    cp: CoPresence,
    labels: np.ndarray,
    k: int,
    p: HouseholdParams,
    joined: np.ndarray | None = None,
) -> MembershipEvidence:
    """Confidence: the observed precision of memberships with this raw score on generated worlds
    (``confidence_curve``, isotonic, fitted by ``bench/calibrate.py``). Raw score = cohesion
    (share of a device's co-presence weight inside its household) times support (windows
    together relative to ``confident_windows``); lone households capped at ``singleton_confidence``.
    ``joined`` (bool per device): devices that joined without a window together (the IPv4 side of
    a DS-Lite home, ``graph.households.v4_side``; a device seen alone in its household's lease,
    ``graph.households.attach``): scored as one window together, like a device with a short
    history that joined with one."""
    n = t.n_devices
    la, lb = labels[cp.a], labels[cp.b]
    same = (la == lb) & (la >= 0)
    s_tot = np.bincount(cp.a, cp.weight, n) + np.bincount(cp.b, cp.weight, n)
    s_in = np.bincount(cp.a, cp.weight * same, n) + np.bincount(cp.b, cp.weight * same, n)
    pw_same = same[cp.pw_pair]
    pw = cp.pw_pair[pw_same]
    win = cp.pw_window[pw_same]
    devs = np.r_[cp.a[pw], cp.b[pw]].astype(np.int64)
    wins = np.r_[win, win]
    w0 = int(wins.min()) if len(wins) else 0
    span = int(wins.max()) - w0 + 1 if len(wins) else 1
    dw, _ = sorted_runs(devs * span + (wins - w0))
    together = np.bincount(dw // span, minlength=n)
    if joined is not None:
        together = np.maximum(together, joined)
    nights = np.bincount(dw // span, weights=(dw % span + w0) & 1, minlength=n).astype(np.int64)

    sizes = np.bincount(labels[labels >= 0], minlength=max(k, 1))
    alone = sizes[np.maximum(labels, 0)] == 1
    cohesion = np.where(s_tot > 0, s_in / np.where(s_tot > 0, s_tot, 1), 1.0)
    support = np.minimum(1.0, together / p.confident_windows)
    solo = np.minimum(
        p.singleton_confidence, cohesion * np.minimum(1.0, cp.home_windows / p.confident_windows)
    )
    conf = calibrate(np.where(alone, solo, cohesion * support), p.confidence_curve)
    conf = np.where(labels >= 0, np.round(conf, 3), 0.0)

    # hours in which another member was on the same home network
    r = cp.rows & (labels[t.dev] >= 0)
    dev, net, hour = t.dev[r].astype(np.int64), t.net[r].astype(np.int64), t.hour[r]
    lab = labels[dev]
    # table rows run by (network, hour); home networks hold few devices an hour, so compare
    # each row with its next neighbours in the run instead of sorting
    both = np.zeros(len(dev), dtype=bool)
    d = 1
    while d < len(dev):
        same_nh = (net[d:] == net[:-d]) & (hour[d:] == hour[:-d])
        if not same_nh.any():
            break
        hit = same_nh & (lab[d:] == lab[:-d])
        both[d:] |= hit
        both[:-d] |= hit
        d += 1
    h0 = int(hour.min()) if len(hour) else 0
    hspan = int((hour.max() - h0) // HOUR_MS) + 1 if len(hour) else 1
    dh, _ = sorted_runs(dev[both] * hspan + (hour[both] - h0) // HOUR_MS)
    hours = np.bincount(dh // hspan, minlength=n)
    top = p.max_evidence_networks
    dev_nets = _top_per_group(dev[both], net[both], n, top)
    hh_nets = _top_per_group(lab[both], net[both], k, top)

    assigned = np.flatnonzero(labels >= 0)
    is_tv = (t.device_type[assigned] == DEVICE_TYPES.index("tv")).astype(np.int64)
    order = np.lexsort((assigned, -cp.home_windows[assigned], -is_tv, labels[assigned]))
    first = np.r_[True, labels[assigned][order][1:] != labels[assigned][order][:-1]] if len(order) else order
    anchor = np.full(k, -1, dtype=np.int64)
    anchor[labels[assigned][order][first]] = assigned[order][first]
    return MembershipEvidence(conf, together, nights, hours, dev_nets, hh_nets, anchor)
