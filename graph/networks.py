"""Presence table and network classification: which addresses are homes and which are shared.

An address is judged only by what the presence rows show: how many devices use it at once,
at which local hours and weekdays, which device types (a TV lives at home), and how long
devices stay. Shared networks (CGNAT, mobile, workplace, public) are no household evidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.clock import localized
from graph.dualstack import shared_v4_days
from graph.params import DAY_MS, DEVICE_TYPES, HOUR_MS, NETWORK_CLASSES, HouseholdParams, NetworkParams

__all__ = [
    "CGNAT",
    "HOME",
    "MOBILE",
    "PUBLIC",
    "UNKNOWN",
    "WORKPLACE",
    "PresenceTable",
    "classify_networks",
    "classify_stats",
    "classify_table",
    "expand_ranges",
    "in_sorted",
    "local_time",
    "network_stats",
    "sorted_runs",
]

HOME, CGNAT, MOBILE, WORKPLACE, PUBLIC, UNKNOWN = range(6)
_TV = DEVICE_TYPES.index("tv")
_HANDHELD = (DEVICE_TYPES.index("phone"), DEVICE_TYPES.index("tablet"))


@dataclass(frozen=True)
class PresenceTable:
    """Columnar presence rows: one entry per (device, network, hour bucket), deduplicated,
    ordered by (network, hour, device).

    Devices and networks are integer codes into the sorted key arrays, so results never
    depend on row order.
    """

    device_keys: np.ndarray  # str keys, sorted; code = index
    device_type: np.ndarray  # int8 per device, index into DEVICE_TYPES, -1 = unknown
    network_keys: np.ndarray  # str keys, sorted
    network_family: np.ndarray  # int8 per network (4 or 6)
    dev: np.ndarray  # int32 per row
    net: np.ndarray  # int32 per row
    hour: np.ndarray  # int64 epoch ms of the UTC hour bucket
    events: np.ndarray  # int32 per row

    @property
    def n_devices(self) -> int:
        return len(self.device_keys)

    @property
    def n_networks(self) -> int:
        return len(self.network_keys)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> PresenceTable:
        """Build from presence row dicts (``device, device_type, network, family, hour, events``).

        >>> t = PresenceTable.from_rows([
        ...     {"device": "b", "device_type": "tv", "network": "n", "family": 4, "hour": 0, "events": 2},
        ...     {"device": "a", "device_type": None, "network": "n", "family": 4, "hour": 0, "events": 1},
        ...     {"device": "b", "device_type": None, "network": "n", "family": 4, "hour": 0, "events": 1}])
        >>> list(t.device_keys), t.dev.tolist(), t.events.tolist(), t.device_type.tolist()
        (['a', 'b'], [0, 1], [1, 3], [-1, 0])
        """
        rows = list(rows)
        dkeys = sorted({str(r["device"]) for r in rows})
        nkeys = sorted({str(r["network"]) for r in rows})
        dcode = {k: i for i, k in enumerate(dkeys)}
        ncode = {k: i for i, k in enumerate(nkeys)}
        types: dict[int, Counter[str]] = {}
        fam = np.full(len(nkeys), 4, dtype=np.int8)
        dev = np.empty(len(rows), dtype=np.int32)
        net = np.empty(len(rows), dtype=np.int32)
        hour = np.empty(len(rows), dtype=np.int64)
        ev = np.empty(len(rows), dtype=np.int32)
        for i, r in enumerate(rows):
            d, n = dcode[str(r["device"])], ncode[str(r["network"])]
            dev[i], net[i], hour[i], ev[i] = d, n, int(r["hour"]), int(r.get("events") or 1)
            fam[n] = int(r.get("family") or 4)
            t = r.get("device_type", r.get("dtype"))  # ingest's presence rows call it dtype
            if t in DEVICE_TYPES:
                types.setdefault(d, Counter())[t] += 1
        dtype = np.full(len(dkeys), -1, dtype=np.int8)
        for d, c in types.items():
            dtype[d] = DEVICE_TYPES.index(min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0])
        return cls.from_arrays(
            np.array(dkeys, dtype=object), dtype, np.array(nkeys, dtype=object), fam, dev, net, hour, ev
        )

    @classmethod
    def from_arrays(
        cls, device_keys, device_type, network_keys, network_family, dev, net, hour, events
    ) -> PresenceTable:
        """Build from code arrays, summing the events of duplicate (device, network, hour) entries."""
        dev = np.asarray(dev, dtype=np.int32)
        net = np.asarray(net, dtype=np.int32)
        hour = np.asarray(hour, dtype=np.int64)
        events = np.asarray(events, dtype=np.int32)
        if len(dev):
            h0 = int(hour.min())
            h = (hour - h0) // HOUR_MS
            nd, hs = len(device_keys) + 1, int(h.max()) + 1
            if _fits(len(network_keys) + 1, hs, nd):
                order = np.argsort((net.astype(np.int64) * hs + h) * nd + dev, kind="stable")
            else:
                order = np.lexsort((dev, hour, net))
            dev, net, hour, events = dev[order], net[order], hour[order], events[order]
            new = np.r_[True, (dev[1:] != dev[:-1]) | (net[1:] != net[:-1]) | (hour[1:] != hour[:-1])]
            if not new.all():
                starts = np.flatnonzero(new)
                events = np.add.reduceat(events, starts).astype(np.int32)
                dev, net, hour = dev[starts], net[starts], hour[starts]
        return cls(
            np.asarray(device_keys, dtype=object),
            np.asarray(device_type, dtype=np.int8),
            np.asarray(network_keys, dtype=object),
            np.asarray(network_family, dtype=np.int8),
            dev,
            net,
            hour,
            events,
        )


def local_time(hour_ms: np.ndarray, offset_hours: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(local hour of day, local day number, weekday with Monday = 0) of UTC hour buckets.

    >>> [a.tolist() for a in local_time(np.array([0, 23 * HOUR_MS]), 1)]
    [[1, 0], [0, 1], [3, 4]]
    """
    local = np.asarray(hour_ms, dtype=np.int64) + offset_hours * HOUR_MS
    day = local // DAY_MS
    return (local // HOUR_MS) % 24, day, (day + 3) % 7  # 1970-01-01 was a Thursday


def _fits(*spans: int) -> bool:
    """Whether a mixed-radix int64 key over these spans cannot overflow."""
    total = 1
    for x in spans:
        total *= max(int(x), 1)
    return total < 2**62


def in_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in ``sorted_keys`` (ascending).

    >>> in_sorted(np.array([2, 5, 9]), np.array([5, 6, 9, 1])).tolist()
    [True, False, True, False]
    """
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    i = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[i] == keys


def expand_ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, position) of every position in each ``[start, end)`` range.

    >>> [a.tolist() for a in expand_ranges(np.array([0, 5]), np.array([2, 8]))]
    [[0, 0, 1, 1, 1], [0, 1, 5, 6, 7]]
    """
    ln = ends - starts
    owner = np.repeat(np.arange(len(starts)), ln)
    pos = np.arange(len(owner)) - np.repeat(np.cumsum(ln) - ln, ln) + np.repeat(starts, ln)
    return owner, pos


def sorted_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts (``np.unique(..., return_counts=True)`` by one sort,
    which is much faster than ``np.unique`` on tens of millions of int64 keys).

    >>> [a.tolist() for a in sorted_runs(np.array([3, 1, 3, 2, 3]))]
    [[1, 2, 3], [1, 1, 3]]
    """
    s = np.sort(keys)
    if not len(s):
        return s, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return s[starts], np.diff(np.r_[starts, len(s)])


def _group_max(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Max of ``values`` per group id, for ``groups`` sorted ascending."""
    out = np.zeros(size, dtype=np.float64)
    if len(groups):
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        out[groups[starts]] = np.maximum.reduceat(values, starts)
    return out


def network_stats(t: PresenceTable, p: NetworkParams) -> dict[str, np.ndarray]:
    """Per-network profile arrays (length ``t.n_networks``) that the classification reads."""
    n, nd = t.n_networks, max(t.n_devices, 1)
    net, dev = t.net, t.dev
    # calendar facts per distinct hour, looked up per row (saves int64 temporaries on big tables)
    h0 = int(t.hour.min()) if len(t.hour) else 0
    hidx = ((t.hour - h0) // HOUR_MS).astype(np.int32)
    hours = h0 + np.arange(int(hidx.max()) + 1 if len(hidx) else 1, dtype=np.int64) * HOUR_MS
    lh, lday, wd = local_time(hours, p.local_offset_hours)
    weekend = wd >= 5
    office = (~weekend & (lh >= p.office_start) & (lh < p.office_end))[hidx]
    home_time = (weekend | (lh >= p.evening_start) | (lh < p.night_end))[hidx]
    d0 = int(lday.min())
    dspan = int(lday.max()) - d0 + 1
    dh = np.bincount(net, minlength=n).astype(np.float64)
    safe_dh = np.maximum(dh, 1)
    office_share = np.bincount(net, weights=office, minlength=n) / safe_dh
    home_share = np.bincount(net, weights=home_time, minlength=n) / safe_dh
    del office, home_time
    # rows are ordered by (network, hour): hour groups are runs, no sort needed
    if len(net):
        nh_start = np.flatnonzero(np.r_[True, (net[1:] != net[:-1]) | (hidx[1:] != hidx[:-1])])
    else:
        nh_start = np.zeros(0, dtype=np.int64)
    cnt = np.diff(np.r_[nh_start, len(net)]).astype(np.float64)
    unet = net[nh_start]
    is_tv = t.device_type == _TV
    tv_conc = (
        np.add.reduceat(is_tv[dev].astype(np.float32), nh_start).astype(np.float64) if len(nh_start) else cnt
    )
    key = net.astype(np.int64)
    key *= dspan
    key += (lday - d0).astype(np.int64)[hidx]
    del hidx
    key *= nd
    key += dev
    ndd, _ = sorted_runs(key)  # (network, day, device)
    del key
    nday = ndd // nd
    per_day_net, per_day = sorted_runs(nday)
    nd_pairs, _ = sorted_runs((nday // dspan) * nd + ndd % nd)  # (network, device)
    pn, pd = nd_pairs // nd, nd_pairs % nd
    devices = np.bincount(pn, minlength=n).astype(np.float64)
    ptype = t.device_type[pd]
    handheld = np.isin(ptype, _HANDHELD)
    return {
        "device_hours": dh,
        "devices": devices,
        "hours_active": np.bincount(unet, minlength=n).astype(np.float64),
        "max_concurrent": _group_max(unet, cnt, n),
        "max_concurrent_tvs": _group_max(unet, tv_conc, n),
        "max_devices_per_day": _group_max(per_day_net // dspan, per_day.astype(np.float64), n),
        "mean_days_per_device": np.bincount(nday // dspan, minlength=n) / np.maximum(devices, 1),
        "tvs": np.bincount(pn, weights=ptype == _TV, minlength=n),
        "handheld_share": np.bincount(pn, weights=handheld, minlength=n)
        / np.maximum(np.bincount(pn, weights=ptype >= 0, minlength=n), 1),
        "office_share": office_share,
        "home_share": home_share,
        "shared_v4_days": shared_v4_days(
            t.dev, t.net, t.hour, lambda h: local_time(h, p.local_offset_hours)[1], t.network_family, n
        ),
    }


def classify_table(t: PresenceTable, p: NetworkParams) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Class code per network (index into ``NETWORK_CLASSES``) and the profile behind it."""
    s = network_stats(t, p)
    return classify_stats(s, p), s


def classify_stats(s: dict[str, np.ndarray], p: NetworkParams) -> np.ndarray:
    """Class code per network from its profile arrays (:func:`network_stats`); other engines
    (``graph.spark``) compute the same profile and classify through here.

    >>> one = lambda **kv: {k: np.array([float(v)]) for k, v in kv.items()}
    >>> s = one(device_hours=40, tvs=1, office_share=0.1, home_share=0.9, mean_days_per_device=4,
    ...         handheld_share=0.5, max_devices_per_day=3, max_concurrent=3, max_concurrent_tvs=1, devices=3)
    >>> NETWORK_CLASSES[classify_stats(s, NetworkParams())[0]]
    'home'
    """
    cls = np.full(len(s["device_hours"]), UNKNOWN, dtype=np.int8)
    enough = s["device_hours"] >= p.min_device_hours
    has_tv = s["tvs"] > 0
    officey = s["office_share"] >= p.office_min_fraction
    fleeting = s["mean_days_per_device"] <= p.public_max_mean_days
    handheld = s["handheld_share"] >= p.mobile_min_handheld
    few_a_day = s["max_devices_per_day"] <= p.home_max_devices_per_day
    homey = (s["home_share"] >= p.home_min_fraction) & (
        (s["mean_days_per_device"] >= p.home_min_mean_days) | few_a_day
    )
    shared = s["max_concurrent"] >= p.shared_min_concurrent
    # later assignments win: from the weakest reading to the strongest
    cls[enough & homey] = HOME
    cls[enough & has_tv] = HOME  # TVs do not go to offices or ride mobile carriers
    # no TV and a stream of different devices (more a day than a home has, or passing by at
    # non-home hours; a daily-reassigned home address also sees new devices every day)
    transient = enough & ~has_tv & (~few_a_day | (fleeting & ~homey)) & (s["devices"] >= p.public_min_devices)
    cls[transient & handheld] = MOBILE
    cls[transient & ~handheld] = PUBLIC
    cls[enough & ~has_tv & officey & ~fleeting] = WORKPLACE  # the same colleagues every weekday
    cls[shared & ~has_tv & officey] = WORKPLACE
    cls[shared & ~has_tv & ~officey & handheld] = MOBILE
    cls[shared & ~has_tv & ~officey & ~handheld] = PUBLIC
    cls[shared & has_tv] = CGNAT
    # several living rooms at once, and more devices a day than a home has (some homes have 3 TVs),
    # coming and going; a big family's address sees its same devices every day
    settled = (s["devices"] <= p.settled_max_turnover * s["max_devices_per_day"]) & (
        s["mean_days_per_device"] >= p.settled_min_mean_days
    )
    tvs = s["max_concurrent_tvs"]
    cls[
        (tvs >= p.cgnat_min_concurrent_tvs)
        & ~few_a_day
        & (~settled | (tvs >= p.settled_cgnat_min_concurrent_tvs))
    ] = CGNAT
    cls[(tvs >= p.turnover_cgnat_min_concurrent_tvs) & ~settled] = CGNAT
    # homes with their own IPv6 networks on one IPv4 address at once: the carrier's, not a home's
    cls[(cls == HOME) & (s.get("shared_v4_days", 0) >= p.shared_v4_min_days)] = CGNAT
    return cls


def classify_networks(
    presence_rows: Iterable[Mapping[str, Any]], params: NetworkParams | None = None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Classify every network seen in presence rows.

    Parameters
    ----------
    presence_rows : iterable of dict
        ``device, device_type, network, family, hour`` (epoch ms, UTC), ``events``.
    params : NetworkParams, optional

    Returns
    -------
    dict
        network key -> (class, evidence); class is one of ``NETWORK_CLASSES``; evidence is a
        JSON-serialisable dict of the profile numbers.

    Examples
    --------
    >>> rows = [{"device": d, "device_type": "tv" if d == "a" else "phone", "network": "n",
    ...          "family": 4, "hour": (20 + 24 * day) * HOUR_MS, "events": 1}
    ...         for d in "ab" for day in range(4)]
    >>> classify_networks(rows)["n"][0]
    'home'
    """
    t = presence_rows if isinstance(presence_rows, PresenceTable) else PresenceTable.from_rows(presence_rows)
    p = localized(HouseholdParams(network=params or NetworkParams()), t).network  # the viewers' local time
    cls, s = classify_table(t, p)
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for i, key in enumerate(t.network_keys):
        ev: dict[str, Any] = {k: round(float(v[i]), 3) for k, v in s.items()}
        ev["family"] = int(t.network_family[i])
        out[str(key)] = (NETWORK_CLASSES[cls[i]], ev)
    return out
